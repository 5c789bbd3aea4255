"""The Kubernetes hub: Application CRs on the simulator's hub, run by our controller,
operated with vela-style status merge patches."""

from __future__ import annotations

import pytest
import yaml

from engine.conftest import EXAMPLES
from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine.controller import Controller
from fleettui.engine.hub import ReadOnlyRefused
from fleettui.engine.hub_kube import FINALIZER, KubeHub
from fleettui.kube import ClusterClient
from fleettui.store.apps import AppStore

APPS = "applications.core.oam.dev"


async def run(ctl: Controller, sim, ns: str, name: str, *, passes: int = 20):
    for _ in range(passes):
        result = await ctl.reconcile(ns, name)
        if result.settled:
            return result
        await sim.advance(2.0, step=1.0)
    return result


@pytest.fixture
async def kube_hub(kubeconfig_path):
    hub = KubeHub(ClusterClient.from_kubeconfig(load_kubeconfig(str(kubeconfig_path)), context="hub", timeout=3.0))
    try:
        yield hub
    finally:
        await hub.close()


async def test_controller_runs_canary_and_resume_patches_status(kube_hub, store, fleet, sim):
    ctl = Controller(kube_hub, AppStore(store, hub="hub"), fleet, clock=sim.clock.now)
    sim.cluster("hub").create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    res = await kube_hub.apply(yaml.safe_load((EXAMPLES / "canary.yaml").read_text()))
    assert res.action == "created"
    assert sim.cluster("hub").get(APPS, "shop", "orders-api") is not None
    result = await run(ctl, sim, "shop", "orders-api")
    assert result.phase == "workflowSuspending"
    cr = sim.cluster("hub").get(APPS, "shop", "orders-api")
    assert FINALIZER in cr["metadata"]["finalizers"]
    status = cr["status"]
    assert status["status"] == "workflowSuspending"
    assert status["latestRevision"]["name"] == "orders-api-v1"
    assert status["workflow"]["suspend"] is True and status["workflow"]["mode"] == "StepByStep-DAG"
    assert [(s["name"], s["phase"]) for s in status["workflow"]["steps"]] == [
        ("deploy-canary", "succeeded"), ("gate", "suspending"), ("deploy-rest", "pending")]
    assert status["services"] == [{"name": "orders-api", "namespace": "shop", "cluster": "ack-hangzhou-a",
                                   "healthy": True, "message": "Ready:2/2",
                                   "workloadDefinition": {"apiVersion": "apps/v1", "kind": "Deployment"}}]
    [row] = await kube_hub.list()
    assert (row.phase, row.steps_done, row.steps_total, row.clusters_healthy) == ("workflowSuspending", 1, 3, 1)

    assert "resume" in await kube_hub.resume("shop", "orders-api")
    cr = sim.cluster("hub").get(APPS, "shop", "orders-api")
    assert cr["status"]["workflow"]["suspend"] is False
    assert {s["name"]: s["phase"] for s in cr["status"]["workflow"]["steps"]}["gate"] == "running"
    assert cr["status"]["status"] == "workflowSuspending"  # vela patches only status.workflow
    result = await run(ctl, sim, "shop", "orders-api")
    assert result.phase == "running"
    st = await kube_hub.status("shop", "orders-api")
    assert {r.cluster for r in st.rows} == set(sim.cluster_names) and all(r.healthy for r in st.rows)

    await kube_hub.delete("shop", "orders-api")
    result = await run(ctl, sim, "shop", "orders-api")
    assert result.phase == "deleted"
    assert sim.cluster("hub").get(APPS, "shop", "orders-api") is None
    for c in sim.cluster_names:
        assert sim.cluster(c).get("deployments.apps", "shop", "orders-api") is None


async def test_kube_hub_read_only(kubeconfig_path, sim):
    client = ClusterClient.from_kubeconfig(load_kubeconfig(str(kubeconfig_path)), context="hub", read_only=True)
    hub = KubeHub(client)
    try:
        with pytest.raises(ReadOnlyRefused):
            await hub.apply(yaml.safe_load((EXAMPLES / "canary.yaml").read_text()))
        with pytest.raises(ReadOnlyRefused):
            await hub.resume("shop", "orders-api")
        assert await hub.list() == []
    finally:
        await hub.close()
    assert sim.mutations() == 0


async def test_controller_loop_watches_and_runs(kube_hub, store, fleet, sim):
    import asyncio
    import contextlib

    sim.cluster("hub").create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "platform"}})
    ctl = Controller(kube_hub, AppStore(store, hub="hub"), fleet, clock=sim.clock.now)
    task = asyncio.create_task(ctl.run(poll=0.1, keep_state_every=3600))
    try:
        await kube_hub.apply(yaml.safe_load((EXAMPLES / "replication.yaml").read_text()))
        for _ in range(100):
            await asyncio.sleep(0.05)
            await sim.advance(1.0)
            cr = sim.cluster("hub").get(APPS, "platform", "node-agent")
            if (cr.get("status") or {}).get("status") == "running":
                break
        assert cr["status"]["status"] == "running"
        writes = sim.mutations("hub")
        await asyncio.sleep(0.5)
        assert sim.mutations("hub") - writes <= 1  # settled: it does not chase its own status writes
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_kube_hub_rollback_with_the_controllers_revisions(kube_hub, store, fleet, sim):
    sim.cluster("hub").create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "platform"}})
    ctl = Controller(kube_hub, AppStore(store, hub="hub"), fleet, clock=sim.clock.now)
    doc = yaml.safe_load((EXAMPLES / "replication.yaml").read_text())
    await kube_hub.apply(doc)
    assert (await run(ctl, sim, "platform", "node-agent")).phase == "running"
    doc["spec"]["components"][0]["properties"]["objects"][1]["data"]["log-level"] = "debug"
    assert (await kube_hub.apply(doc)).action == "configured"
    assert (await run(ctl, sim, "platform", "node-agent")).phase == "running"
    cr = sim.cluster("hub").get(APPS, "platform", "node-agent")
    assert cr["status"]["latestRevision"]["name"] == "node-agent-v2"
    assert sim.cluster("idc-beijing").get("configmaps", "platform", "node-agent-config")["data"]["log-level"] == "debug"
    await kube_hub.rollback("platform", "node-agent")
    assert (await run(ctl, sim, "platform", "node-agent")).phase == "running"
    cr = sim.cluster("hub").get(APPS, "platform", "node-agent")
    assert cr["status"]["latestRevision"]["name"] == "node-agent-v1"
    assert sim.cluster("idc-beijing").get("configmaps", "platform", "node-agent-config")["data"]["log-level"] == "info"


async def test_kube_hub_refuses_fleettui_extensions_naming_the_field(kube_hub, sim):
    """A real KubeVela has no batches, placement or replica-split: refused before anything is written."""
    from fleettui.engine.errors import AppInvalid

    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"components": [{"name": "web", "type": "webservice", "properties": {"image": "nginx:1.27"}}],
                    "policies": [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}},
                                 {"name": "room", "type": "placement", "properties": {"clusters": 1}}],
                    "workflow": {"steps": [{"name": "go", "type": "deploy", "properties": {
                        "policies": ["all", "room"], "batches": {"size": 2}}}]}}}
    for call in (kube_hub.plan, kube_hub.apply):
        with pytest.raises(AppInvalid) as exc:
            await call(doc)
        assert [p.field for p in exc.value.problems] == ["spec.policies[1].type",
                                                         "spec.workflow.steps[0].properties.batches"]
        assert "a KubeVela hub does not run" in str(exc.value)
    assert sim.cluster("hub").get("applications.core.oam.dev", "shop", "web") is None
