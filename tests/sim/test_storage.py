"""SimCluster storage semantics and the pure patch/apply/selector functions."""

from __future__ import annotations

import pytest

from fleettui.sim import ApiError, SimCluster
from fleettui.sim.clock import VirtualClock
from fleettui.sim.fields import apply, field_paths, to_fields_v1
from fleettui.sim.patch import json_patch, merge_patch, strategic_merge
from fleettui.sim.selectors import parse_field_selector, parse_label_selector


@pytest.fixture
def cluster() -> SimCluster:
    clock = VirtualClock(start=1_800_000_000)
    clock.freeze()
    c = SimCluster("t", clock)
    c.create("namespaces", {"metadata": {"name": "default"}})
    return c


def test_metadata_set_by_the_server(cluster: SimCluster):
    events = []
    cluster.subscribe(lambda t, r, o: events.append((t, r, o["metadata"]["resourceVersion"])))
    obj = cluster.create("deployments.apps", {"metadata": {"name": "d", "namespace": "default", "uid": "mine",
                                                           "resourceVersion": "999"},
                                              "spec": {"replicas": 1}, "status": {"replicas": 5}})
    meta = obj["metadata"]
    assert meta["uid"] != "mine" and meta["generation"] == 1
    assert meta["creationTimestamp"] == "2027-01-15T08:00:00Z"
    assert obj["apiVersion"] == "apps/v1" and obj["kind"] == "Deployment"
    assert "status" not in obj  # dropped on create: a status subresource
    assert events == [("ADDED", "deployments.apps", meta["resourceVersion"])]
    rv = int(meta["resourceVersion"])
    same = cluster.set_status("deployments.apps", "default", "d", {"replicas": 1})
    assert int(same["metadata"]["resourceVersion"]) == rv + 1 and same["metadata"]["generation"] == 1
    again = cluster.set_status("deployments.apps", "default", "d", {"replicas": 1})
    assert again is same  # equal status: no write, no event
    unchanged = cluster.update("deployments.apps", {**same, "metadata": dict(same["metadata"])})
    assert unchanged is same
    cm = cluster.create("configmaps", {"metadata": {"name": "c", "namespace": "default"}})
    assert "generation" not in cm["metadata"]


def test_monotonic_versions_and_node_status_kept(cluster: SimCluster):
    node = cluster.create("nodes", {"metadata": {"name": "n1"}, "status": {"phase": "Running"}})
    assert node["status"] == {"phase": "Running"} and "namespace" not in node["metadata"]
    versions = [int(cluster.create("configmaps", {"metadata": {"name": f"c{i}", "namespace": "default"}})
                    ["metadata"]["resourceVersion"]) for i in range(5)]
    assert versions == sorted(versions) and len(set(versions)) == 5


def test_generate_name_and_validation(cluster: SimCluster):
    a = cluster.create("pods", {"metadata": {"generateName": "web-", "namespace": "default"}, "spec": {}})
    assert a["metadata"]["name"].startswith("web-") and len(a["metadata"]["name"]) == 9
    assert a["status"]["phase"] == "Pending"
    with pytest.raises(ApiError) as err:
        cluster.create("pods", {"metadata": {"namespace": "default"}})
    assert err.value.code == 422
    with pytest.raises(ApiError) as err:
        cluster.create("pods", {"metadata": {"name": "x", "namespace": "absent"}})
    assert (err.value.code, err.value.message) == (404, 'namespaces "absent" not found')
    with pytest.raises(ApiError) as err:
        cluster.create("nonsense", {"metadata": {"name": "x"}})
    assert err.value.code == 404


def test_finalizers_hold_deletion(cluster: SimCluster):
    cluster.create("configmaps", {"metadata": {"name": "f", "namespace": "default", "finalizers": ["a/b"]}})
    held = cluster.delete("configmaps", "default", "f")
    assert held["metadata"]["deletionTimestamp"] == "2027-01-15T08:00:00Z"
    with pytest.raises(ApiError):
        cluster.update("configmaps", {**held, "metadata": {**held["metadata"], "finalizers": ["a/b", "c/d"]}})
    cluster.update("configmaps", {**held, "metadata": {**held["metadata"], "finalizers": []}})
    assert cluster.get("configmaps", "default", "f") is None


def test_owner_references_are_garbage_collected(cluster: SimCluster):
    owner = cluster.create("deployments.apps", {"metadata": {"name": "o", "namespace": "default"}, "spec": {}})
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "o", "uid": owner["metadata"]["uid"]}
    rs = cluster.create("replicasets.apps", {"metadata": {"name": "o-1", "namespace": "default",
                                                          "ownerReferences": [ref]}, "spec": {}})
    rs_ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "o-1", "uid": rs["metadata"]["uid"]}
    cluster.create("pods", {"metadata": {"name": "o-1-a", "namespace": "default", "ownerReferences": [rs_ref]}})
    other = cluster.create("configmaps", {"metadata": {"name": "two-owners", "namespace": "default",
                                                       "ownerReferences": [ref, {"uid": "still-here-uid"}]}})
    assert other
    cluster.delete("deployments.apps", "default", "o")
    assert cluster.get("replicasets.apps", "default", "o-1") is None
    assert cluster.get("pods", "default", "o-1-a") is None


def test_namespace_deletion_removes_contents_and_blocks_creates(cluster: SimCluster):
    cluster.create("namespaces", {"metadata": {"name": "tmp"}})
    cluster.create("configmaps", {"metadata": {"name": "a", "namespace": "tmp", "finalizers": ["x/y"]}})
    cluster.create("secrets", {"metadata": {"name": "s", "namespace": "tmp"}})
    ns = cluster.delete("namespaces", None, "tmp")
    assert ns["status"]["phase"] == "Terminating"
    assert cluster.get("secrets", "tmp", "s") is None
    with pytest.raises(ApiError) as err:
        cluster.create("configmaps", {"metadata": {"name": "b", "namespace": "tmp"}})
    assert err.value.code == 403
    cluster.patch_metadata("configmaps", "tmp", "a", finalizers=[])
    assert cluster.get("namespaces", None, "tmp") is None


def test_record_event_counts_repeats(cluster: SimCluster):
    pod = cluster.create("pods", {"metadata": {"name": "p", "namespace": "default"}})
    cluster.record_event(pod, "BackOff", "Back-off pulling image", component="kubelet")
    cluster.record_event(pod, "BackOff", "Back-off pulling image", component="kubelet")
    (ev,) = cluster.list("events", "default")
    assert ev["count"] == 2 and ev["involvedObject"]["name"] == "p" and ev["type"] == "Warning"
    assert ev["source"] == {"component": "kubelet"}


def test_watch_history_window(cluster: SimCluster):
    small = SimCluster("w", cluster.clock, history=3)
    small.create("namespaces", {"metadata": {"name": "default"}})
    for i in range(5):
        small.create("configmaps", {"metadata": {"name": f"c{i}", "namespace": "default"}})
    assert len(small.history) == 3 and small.compacted_rv == 3


# ------------------------------------------------------------------ patches

def test_merge_patch_rfc7386():
    assert merge_patch({"a": "b", "c": {"d": "e", "f": "g"}}, {"a": "z", "c": {"f": None}}) == \
        {"a": "z", "c": {"d": "e"}}
    assert merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}


def test_json_patch_rfc6902():
    doc = {"a": {"b": [1, 2]}}
    assert json_patch(doc, [{"op": "add", "path": "/a/b/-", "value": 3}]) == {"a": {"b": [1, 2, 3]}}
    assert json_patch(doc, [{"op": "move", "from": "/a/b", "path": "/c"}]) == {"a": {}, "c": [1, 2]}
    assert json_patch(doc, [{"op": "add", "path": "/x~1y", "value": 1}])["x/y"] == 1
    assert doc == {"a": {"b": [1, 2]}}  # inputs untouched
    with pytest.raises(ApiError):
        json_patch(doc, [{"op": "remove", "path": "/missing"}])
    with pytest.raises(ApiError):
        json_patch(doc, {"op": "add"})


def test_strategic_merge_uses_list_merge_keys():
    live = {"spec": {"containers": [{"name": "a", "image": "x", "ports": [{"containerPort": 80}],
                                     "volumeMounts": [{"mountPath": "/d", "name": "v"}]}],
                     "volumes": [{"name": "v", "emptyDir": {}}],
                     "tolerations": [{"key": "k1"}]},
            "metadata": {"finalizers": ["one"]}}
    patch = {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 81}],
                                      "volumeMounts": [{"mountPath": "/d", "readOnly": True}]}],
                      "volumes": [{"name": "w", "emptyDir": {}}],
                      "tolerations": [{"key": "k2"}]},
             "metadata": {"finalizers": ["two"]}}
    out = strategic_merge(live, patch)
    (c,) = out["spec"]["containers"]
    assert c["image"] == "x" and c["ports"] == [{"containerPort": 80}, {"containerPort": 81}]
    assert c["volumeMounts"] == [{"mountPath": "/d", "name": "v", "readOnly": True}]
    assert [v["name"] for v in out["spec"]["volumes"]] == ["v", "w"]
    assert out["spec"]["tolerations"] == [{"key": "k2"}]  # atomic list: replaced
    assert out["metadata"]["finalizers"] == ["one", "two"]
    svc = strategic_merge({"spec": {"ports": [{"port": 80, "name": "http"}]}},
                          {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}})
    assert svc["spec"]["ports"] == [{"port": 80, "name": "http", "targetPort": 8080}]
    order = strategic_merge({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}},
                            {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
                                      "containers": [{"name": "a", "image": "i"}]}})
    assert [c["name"] for c in order["spec"]["containers"]] == ["b", "a"]
    replaced = strategic_merge({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}},
                               {"spec": {"containers": [{"name": "c"}, {"$patch": "replace"}]}})
    assert replaced["spec"]["containers"] == [{"name": "c"}]
    gone = strategic_merge({"metadata": {"finalizers": ["a", "b"]}},
                           {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}})
    assert gone["metadata"]["finalizers"] == ["b"]


def test_field_paths_and_apply_removal():
    obj = {"metadata": {"name": "x", "labels": {"a": "1"}},
           "spec": {"containers": [{"name": "c", "image": "i"}], "args": ["x"]}}
    tree = to_fields_v1(field_paths(obj))
    assert tree == {"f:metadata": {"f:labels": {"f:a": {}}},
                    "f:spec": {"f:args": {}, "f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}, "f:name": {}}}}}
    first = apply(None, obj, "m", force=False, now="t", api_version="v1")
    second = apply(first, {"metadata": {"name": "x"}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
                   "m", force=False, now="t", api_version="v1")
    assert "labels" not in second["metadata"] or not second["metadata"]["labels"]
    assert "args" not in second["spec"]


@pytest.mark.parametrize(
    ("text", "labels", "ok"),
    [("a=1", {"a": "1"}, True), ("a!=1", {}, True), ("a in (1, 2)", {"a": "2"}, True),
     ("a notin (1)", {"a": "1"}, False), ("!a", {"a": "1"}, False), ("a,b", {"a": "1"}, False),
     ("example.com/tier==web", {"example.com/tier": "web"}, True)],
)
def test_label_selector(text, labels, ok):
    match = parse_label_selector(text)
    assert match is not None and match({"metadata": {"labels": labels}}) is ok


@pytest.mark.parametrize("bad", ["a in", "a in ()", "=x", "a,", "a b"])
def test_label_selector_rejects_garbage(bad):
    with pytest.raises(ApiError):
        parse_label_selector(bad)


def test_field_selector():
    match = parse_field_selector("metadata.name=x,metadata.namespace!=kube-system", "Pod")
    assert match({"metadata": {"name": "x", "namespace": "default"}})
    assert not match({"metadata": {"name": "x", "namespace": "kube-system"}})
    with pytest.raises(ApiError):
        parse_field_selector("spec.nodeName=x", "ConfigMap")
