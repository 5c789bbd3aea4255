"""Pure tests: parsing and refusing, KubeVela's merge semantics, rendering, traits."""

from __future__ import annotations

import pytest

from fleettui.engine.errors import AppInvalid, RenderError
from fleettui.engine.model import load_documents
from fleettui.engine.override import json_patch, merge, patch_components
from fleettui.engine.render import MemberCluster, placement_diff, render_step, topology_clusters
from fleettui.engine.validate import parse_application

FLEET = [MemberCluster("a", {"env": "prod", "region": "east"}), MemberCluster("b", {"env": "prod"}),
         MemberCluster("c", {"env": "dev"})]


def doc(**spec) -> dict:
    base = {
        "components": [{"name": "web", "type": "k8s-objects", "properties": {"objects": [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1", "b": "2"}},
        ]}}],
        "policies": [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}],
    }
    base.update(spec)
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": "app", "namespace": "ns"}, "spec": base}


def problems(d: dict) -> list[str]:
    with pytest.raises(AppInvalid) as info:
        parse_application(d)
    return [str(p) for p in info.value.problems]


def test_invalid_yaml_names_the_line():
    with pytest.raises(AppInvalid) as info:
        load_documents("apiVersion: x\n  bad: [\n", source="app.yaml")
    assert "app.yaml" in str(info.value) and "line" in str(info.value)


def test_unknown_types_and_fields_are_named():
    d = doc()
    d["spec"]["components"][0]["type"] = "helm"
    d["spec"]["policies"].append({"name": "x", "type": "envbinding", "properties": {}})
    d["spec"]["workflow"] = {"steps": [{"name": "s", "type": "build-push-image"},
                                       {"name": "t", "type": "deploy", "meta": {"alias": "x"},
                                        "properties": {"policies": ["all"]}}]}
    d["spec"]["components"].append({"name": "z", "type": "k8s-objects", "dependsOn": ["web"],
                                    "properties": {"objects": [{"apiVersion": "v1", "kind": "ConfigMap",
                                                                "metadata": {"name": "z"}}]}})
    found = "\n".join(problems(d))
    assert "spec.components[0].type: component type 'helm' is not supported" in found
    assert "spec.policies[1].type: policy type 'envbinding' is not supported" in found
    assert "spec.workflow.steps[0].type" in found and "'build-push-image'" in found
    assert "spec.workflow.steps[1].meta: field 'meta' is not supported" in found
    assert "spec.components[1].dependsOn" in found


def test_unknown_trait_and_policy_property():
    d = doc()
    d["spec"]["components"][0]["traits"] = [{"type": "nocalhost", "properties": {}}]
    d["spec"]["policies"][0]["properties"]["clusterSelectorr"] = {}
    found = "\n".join(problems(d))
    assert "spec.components[0].traits[0].type: trait type 'nocalhost'" in found
    assert "spec.policies[0].properties.clusterSelectorr" in found


def test_deploy_needs_existing_policies():
    d = doc(workflow={"steps": [{"name": "d", "type": "deploy", "properties": {"policies": ["nope"]}}]})
    assert any("no policy named 'nope'" in p for p in problems(d))


def test_default_workflow_is_one_deploy_per_topology_with_overrides():
    d = doc()
    d["spec"]["policies"] += [{"name": "o", "type": "override", "properties": {"components": []}},
                              {"name": "t2", "type": "topology", "properties": {"clusters": ["c"]}}]
    steps = parse_application(d).workflow_steps()
    assert [(s.name, s.properties["policies"]) for s in steps] == [("deploy-all", ["o", "all"]),
                                                                    ("deploy-t2", ["o", "t2"])]


def test_topology_selects_by_name_and_labels():
    d = doc()
    d["spec"]["policies"] = [{"name": "p", "type": "topology", "properties": {"clusterLabelSelector": {"env": "prod"}}},
                             {"name": "q", "type": "topology", "properties": {"clusters": ["c", "a"]}},
                             {"name": "none", "type": "topology", "properties": {"clusterLabelSelector": {"env": "x"}}},
                             {"name": "ok", "type": "topology",
                              "properties": {"clusterLabelSelector": {"env": "x"}, "allowEmpty": True}},
                             {"name": "missing", "type": "topology", "properties": {"clusters": ["zz"]}}]
    app = parse_application(d)
    assert topology_clusters(app, "p", FLEET)[0] == ["a", "b"]
    assert topology_clusters(app, "q", FLEET)[0] == ["c", "a"]
    assert topology_clusters(app, "ok", FLEET)[0] == []
    with pytest.raises(RenderError, match="matches no cluster"):
        topology_clusters(app, "none", FLEET)
    with pytest.raises(RenderError, match="'zz', which is not in the fleet"):
        topology_clusters(app, "missing", FLEET)


def test_merge_is_mergo_with_override():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": [{"name": "k", "v": 1}]}
    patch = {"a": {"c": [3], "n": None}, "d": "y", "e": [{"name": "k", "v": 2}]}
    assert merge(base, patch) == {"a": {"b": 1, "c": [3], "n": None}, "d": "y", "e": [{"name": "k", "v": 2}]}
    assert base["a"]["c"] == [1, 2]  # inputs untouched


def test_override_patch_semantics():
    app = parse_application(doc(components=[
        {"name": "web", "type": "k8s-objects", "properties": {"objects": [{"apiVersion": "v1", "kind": "ConfigMap",
                                                                            "metadata": {"name": "w"}}]},
         "traits": [{"type": "scaler", "properties": {"replicas": 1}}, {"type": "labels", "properties": {"a": "1"}}]},
        {"name": "web-canary", "type": "k8s-objects",
         "properties": {"objects": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "wc"}}]}},
    ]))
    out = patch_components(app.components, [{"name": "web", "traits": [
        {"type": "scaler", "properties": {"replicas": 3}}, {"type": "labels", "disable": True},
        {"type": "annotations", "properties": {"x": "y"}}]}], None)
    web = out[0]
    assert [(t.type, t.properties) for t in web.traits] == [("scaler", {"replicas": 3}), ("annotations", {"x": "y"})]
    assert out[1].traits == ()  # `web` does not also match `web-canary`
    every = patch_components(app.components, [{"properties": {"extra": 1}}], ["web-canary"])
    assert [c.name for c in every] == ["web-canary"] and every[0].properties["extra"] == 1


def test_render_labels_namespace_and_traits():
    d = doc()
    d["spec"]["policies"] = [
        {"name": "t", "type": "topology", "properties": {"clusters": ["a"], "namespace": "prod-ns"}},
        {"name": "o", "type": "override", "properties": {"components": [{"name": "web", "traits": [
            {"type": "scaler", "properties": {"replicas": 4}},
            {"type": "json-patch", "properties": {"operations": [
                {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "x:2"}]}}]}]}}]
    app = parse_application(d)
    [pl] = render_step(app, ["t", "o"], FLEET, revision="app-v1")
    dep, cm = (m.object for m in pl.manifests)
    assert dep["metadata"]["namespace"] == "prod-ns" and cm["metadata"]["namespace"] == "prod-ns"
    assert dep["spec"]["replicas"] == 4 and dep["spec"]["template"]["spec"]["containers"][0]["image"] == "x:2"
    assert dep["metadata"]["labels"] == {"app.oam.dev/name": "app", "app.oam.dev/namespace": "ns",
                                         "app.oam.dev/component": "web", "app.oam.dev/cluster": "a",
                                         "app.oam.dev/appRevision": "app-v1"}
    assert "metadata" not in d["spec"]["components"][0]["properties"]["objects"][1] or \
        "labels" not in d["spec"]["components"][0]["properties"]["objects"][1]["metadata"]
    diff = {w: (x, y) for w, x, y in placement_diff(app, pl, revision="app-v1")}
    assert diff["Deployment web: spec.replicas"] == (1, 4)
    assert diff["Deployment web: spec.template.spec.containers[0].image"] == ("x:1", "x:2")


def test_json_patch_errors_name_the_operation():
    with pytest.raises(ValueError, match=r"operations\[0\] \(remove /nope\)"):
        json_patch({"a": 1}, [{"op": "remove", "path": "/nope"}])
    assert json_patch({"a": [1]}, [{"op": "add", "path": "/a/-", "value": 2}, {"op": "test", "path": "/a/1",
                                                                             "value": 2}]) == {"a": [1, 2]}


def test_compose_ref_objects_application():
    from fleettui.engine.compose import SelectedResource, ref_objects_application

    picked = [SelectedResource("deployment", "web", "apps"), SelectedResource("configmap", "web-config")]
    doc = ref_objects_application("web-copy", "shop", source_cluster="a", resources=picked,
                                  clusters=["a", "b", "c"], strategy="canary", canary_cluster="a")
    app = parse_application(doc)
    assert [s.name for s in app.workflow_steps()] == ["deploy-canary", "gate", "deploy-rest"]
    assert topology_clusters(app, "rest", FLEET)[0] == ["b", "c"]
    assert doc["spec"]["components"][0]["properties"]["objects"][0] == {
        "resource": "deployment", "name": "web", "cluster": "a", "namespace": "shop", "group": "apps"}
    flat = ref_objects_application("x", "shop", source_cluster="a", resources=picked[:1],
                                   cluster_labels={"env": "prod"})
    assert topology_clusters(parse_application(flat), "targets", FLEET)[0] == ["a", "b"]
    with pytest.raises(ValueError):
        ref_objects_application("x", "shop", source_cluster="a", resources=[], clusters=["b"])
