"""Standalone core.oam.dev/v1alpha1 Policy and Workflow objects: `workflow.ref` and deploy
steps naming external policies, in the same file on the local hub and on the hub cluster
of a Kubernetes hub (applied there, then read back by our controller)."""

from __future__ import annotations

import pytest
import yaml
from cli.test_cli_crash import cli, read_app

from engine.test_kube_hub import APPS, kube_hub, run  # noqa: F401  (fixture)
from fleettui.engine import external
from fleettui.engine.controller import Controller
from fleettui.engine.errors import AppInvalid
from fleettui.engine.validate import parse_application
from fleettui.store.apps import AppStore

# the shape of KubeVela's multi-cluster docs: the application names a Workflow, whose deploy
# steps name Policy objects
FILE = """\
apiVersion: core.oam.dev/v1alpha1
kind: Policy
metadata: {name: canary, namespace: shop}
type: topology
properties: {clusters: [ack-hangzhou-a]}
---
apiVersion: core.oam.dev/v1alpha1
kind: Policy
metadata: {name: rest, namespace: shop}
type: topology
properties: {clusters: [idc-beijing, edge-shenzhen]}
---
apiVersion: core.oam.dev/v1alpha1
kind: Workflow
metadata: {name: canary-then-rest, namespace: shop}
steps:
  - {name: deploy-canary, type: deploy, properties: {policies: [canary]}}
  - {name: gate, type: suspend, properties: {message: check the canary}}
  - {name: deploy-rest, type: deploy, properties: {policies: [rest]}}
---
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: web, namespace: shop}
spec:
  components:
    - name: web
      type: webservice
      properties: {image: "nginx:1.27", ports: [{port: 80, expose: true}]}
  workflow:
    ref: canary-then-rest
"""


def docs() -> list[dict]:
    return list(yaml.safe_load_all(FILE))


def test_inline_writes_the_workflow_and_the_policies_in():
    apps, found = external.split(docs())
    [app_doc] = apps
    assert sorted(found) == [("Policy", "shop", "canary"), ("Policy", "shop", "rest"),
                             ("Workflow", "shop", "canary-then-rest")]
    app = parse_application(external.inline(app_doc, found))
    assert [s.name for s in app.steps] == ["deploy-canary", "gate", "deploy-rest"]
    assert [(p.name, p.type, p.properties) for p in app.policies] == [
        ("canary", "topology", {"clusters": ["ack-hangzhou-a"]}),
        ("rest", "topology", {"clusters": ["idc-beijing", "edge-shenzhen"]})]
    assert "ref" in app_doc["spec"]["workflow"]  # the input is untouched


def test_missing_and_bad_standalone_objects_are_refused_by_field():
    apps, found = external.split(docs()[3:])
    with pytest.raises(AppInvalid) as info:
        parse_application(external.inline(apps[0], found))
    assert [p.field for p in info.value.problems] == ["spec.workflow.ref"]
    # a workflow whose policies are missing is written in; validation names each step's field
    with pytest.raises(AppInvalid) as info:
        parse_application(external.inline(apps[0], {("Workflow", "shop", "canary-then-rest"): docs()[2]}))
    fields = [p.field for p in info.value.problems]
    assert "spec.workflow.steps[0].properties.policies[0]" in fields
    bad = {"apiVersion": "core.oam.dev/v1alpha1", "kind": "Policy", "metadata": {"name": "p"}, "typo": 1}
    with pytest.raises(AppInvalid) as info:
        external.split([bad])
    assert [p.field for p in info.value.problems] == ["typo", "type"]


async def test_local_hub_runs_a_file_with_standalone_objects(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    path = tmp_path / "app.yaml"
    path.write_text(FILE)
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(path))
    assert code == 0, err
    assert "phase: workflowSuspending" in out
    rec, placements = await read_app(cache, "shop", "web")
    assert [p.cluster for p in placements] == ["ack-hangzhou-a"]
    assert [s["name"] for s in rec.status["workflow"]["steps"]] == ["deploy-canary", "gate", "deploy-rest"]
    assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "web") is not None
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is None

    path.write_text(FILE.split("---\n", 3)[3])  # the application alone: its Workflow is nowhere
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(path), advance=False)
    assert code != 0 and "spec.workflow.ref: no Workflow 'canary-then-rest'" in err and "Traceback" not in err


async def test_kube_hub_applies_the_objects_and_the_controller_reads_them_back(kube_hub, store, fleet, sim):  # noqa: F811
    sim.cluster("hub").create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    apps, found = external.split(docs())
    for obj in found.values():
        await kube_hub.apply_external(obj)
    assert sim.cluster("hub").get("workflows.core.oam.dev", "shop", "canary-then-rest") is not None
    res = await kube_hub.apply(apps[0])
    assert res.action == "created"
    cr = sim.cluster("hub").get(APPS, "shop", "web")
    assert cr["spec"]["workflow"] == {"ref": "canary-then-rest"}  # as written: the hub resolves it
    ctl = Controller(kube_hub, AppStore(store, hub="hub"), fleet, clock=sim.clock.now)
    result = await run(ctl, sim, "shop", "web")
    assert result.phase == "workflowSuspending"
    cr = sim.cluster("hub").get(APPS, "shop", "web")
    assert [(s["name"], s["phase"]) for s in cr["status"]["workflow"]["steps"]] == [
        ("deploy-canary", "succeeded"), ("gate", "suspending"), ("deploy-rest", "pending")]
    assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "web") is not None
