"""Bad input and failures against the simulator: a manifest one cluster rejects (422),
a cluster down during a step, topology matching nothing, objects owned by someone
else, read-only refusal; drift repair and apply-once; ref-objects."""

from __future__ import annotations

import pytest

from engine.conftest import settle
from engine.test_workflow_sim import web_app
from fleettui.engine.errors import RenderError
from fleettui.engine.hub import ReadOnlyRefused
from fleettui.engine.hub_local import LocalHub


async def test_manifest_rejected_by_one_cluster(hub, sim):
    doc = web_app()
    doc["spec"]["policies"] += [
        {"name": "only-a", "type": "topology", "properties": {"clusters": ["ack-hangzhou-a"]}},
        {"name": "only-b", "type": "topology", "properties": {"clusters": ["idc-beijing"]}},
        {"name": "bad-name", "type": "override", "properties": {"components": [{"name": "web", "traits": [
            {"type": "json-patch", "properties": {"operations": [
                {"op": "replace", "path": "/metadata/name", "value": "Bad_Name"}]}}]}]}}]
    doc["spec"]["workflow"] = {"steps": [{"name": "both", "type": "step-group", "subSteps": [
        {"name": "to-a", "type": "deploy", "properties": {"policies": ["only-a"]}},
        {"name": "to-b", "type": "deploy", "properties": {"policies": ["only-b", "bad-name"]}}]}]}
    await hub.apply(doc)
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowFailed"
    app = await hub.get("shop", "web")
    group = app["status"]["workflow"]["steps"][0]
    subs = {s["name"]: s for s in group["subSteps"]}
    assert subs["to-a"]["phase"] == "succeeded"
    assert subs["to-b"]["phase"] == "failed"
    msg = subs["to-b"]["message"]
    assert "shop/web" in msg and "idc-beijing" in msg and "metadata.name" in msg and "422" in msg
    assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "web") is not None
    placements = {p.cluster: p for p in await hub.records.placements("shop", "web")}
    assert placements["idc-beijing"].state == "failed" and "applied 0 of 1" in placements["idc-beijing"].message
    cells = {c.cluster: c for c in await hub.records.matrix()}
    assert cells["idc-beijing"].health == "unhealthy" and cells["ack-hangzhou-a"].health == "healthy"


async def test_cluster_down_during_a_step(hub, sim):
    sim.faults.set("idc-beijing", down="refuse")
    doc = web_app()
    doc["spec"]["policies"] = [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}]
    await hub.apply(doc)
    result = await settle(hub, sim, "shop", "web", passes=4)
    assert not result.settled and result.phase == "runningWorkflow"
    app = await hub.get("shop", "web")
    step = app["status"]["workflow"]["steps"][0]
    assert step["phase"] == "running"
    assert "idc-beijing" in step["message"] and "retrying" in step["message"]
    # the others got it meanwhile
    for name in ("ack-hangzhou-a", "edge-shenzhen"):
        assert sim.cluster(name).get("deployments.apps", "shop", "web") is not None
    cells = {c.cluster: c for c in await hub.records.matrix()}
    assert cells["idc-beijing"].placement_state == "pending" and "applied 0 of 1" in cells["idc-beijing"].message
    sim.faults.clear("idc-beijing")
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is not None


async def test_topology_matching_nothing_is_refused_before_storing(hub, sim):
    doc = web_app()
    doc["spec"]["policies"] = [{"name": "p", "type": "topology",
                                "properties": {"clusterLabelSelector": {"env": "staging"}}}]
    with pytest.raises(RenderError, match="topology policy 'p' matches no cluster"):
        await hub.apply(doc)
    assert await hub.get("shop", "web") is None
    assert sim.mutations() == 0


async def test_object_of_someone_else_is_not_taken_over(hub, sim):
    doc = web_app(name="storefront")  # the demo seed runs its own `storefront` in shop
    doc["spec"]["policies"] = [{"name": "p", "type": "topology", "properties": {"clusters": ["ack-hangzhou-a"]}}]
    before = sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "storefront")
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "storefront")).phase == "workflowFailed"
    msg = (await hub.get("shop", "storefront"))["status"]["workflow"]["message"]
    assert "does not take over" in msg and "ack-hangzhou-a" in msg
    after = sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "storefront")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_read_only_hub_refuses_everything(store, fleet, sim):
    from fleettui.store.apps import AppStore

    ro = LocalHub(AppStore(store), read_only=True)
    for call in (ro.apply(web_app()), ro.resume("shop", "web"), ro.delete("shop", "web"),
                 ro.rollback("shop", "web"), ro.terminate("shop", "web")):
        with pytest.raises(ReadOnlyRefused, match="read-only"):
            await call
    assert await ro.list() == []
    assert sim.mutations() == 0


async def test_drift_is_repaired_and_recorded(hub, sim):
    await hub.apply(web_app())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster("idc-beijing")
    live = cluster.get("deployments.apps", "shop", "web")
    changed = {**live, "spec": {**live["spec"], "replicas": 7}}
    cluster.update("deployments.apps", changed)
    report = await hub.engine.keep_state()
    assert report.checked == 3 and report.drifted == 1 and report.repaired == 1
    assert cluster.get("deployments.apps", "shop", "web")["spec"]["replicas"] == 1
    [record] = await hub.records.drift("shop", "web")
    assert record.cluster == "idc-beijing" and record.paths == ["spec.replicas"] and record.action == "repaired"
    # a deleted object comes back too
    cluster.delete("deployments.apps", "shop", "web")
    report = await hub.engine.keep_state()
    assert report.repaired == 1 and cluster.get("deployments.apps", "shop", "web") is not None
    assert (await hub.engine.keep_state()).drifted == 0


async def test_apply_once_allows_drift(hub, sim):
    doc = web_app()
    doc["spec"]["policies"].append({"name": "once", "type": "apply-once", "properties": {"enable": True, "rules": [
        {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"path": ["spec.replicas"]}}]}})
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster("ack-hangzhou-a")
    live = cluster.get("deployments.apps", "shop", "web")
    cluster.update("deployments.apps", {**live, "spec": {**live["spec"], "replicas": 4}})
    report = await hub.engine.keep_state()
    assert report.drifted == 1 and report.allowed == 1 and report.repaired == 0
    assert cluster.get("deployments.apps", "shop", "web")["spec"]["replicas"] == 4
    await hub.engine.keep_state()
    records = await hub.records.drift("shop", "web")
    assert [(r.action, r.paths) for r in records] == [("allowed", ["spec.replicas"])]  # recorded once


async def test_ref_objects_copy_from_a_source_cluster(hub, sim):
    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "copy-config", "namespace": "shop"},
           "spec": {"components": [{"name": "cfg", "type": "ref-objects", "properties": {"objects": [
               {"resource": "configmap", "name": "storefront-config", "cluster": "ack-hangzhou-a"}]}}],
               "policies": [{"name": "t", "type": "topology",
                             "properties": {"clusters": ["idc-beijing"], "namespace": "shop-mirror"}}]}}
    res = await hub.apply(doc)
    assert res.plan[0].objects == ("ConfigMap shop-mirror/storefront-config",)
    assert (await settle(hub, sim, "shop", "copy-config")).phase == "running"
    copied = sim.cluster("idc-beijing").get("configmaps", "shop-mirror", "storefront-config")
    source = sim.cluster("ack-hangzhou-a").get("configmaps", "shop", "storefront-config")
    assert copied["data"] == source["data"]
    assert copied["metadata"]["labels"]["app.oam.dev/name"] == "copy-config"


async def test_apply_once_on_update_keeps_live_values(hub, sim):
    doc = web_app()
    doc["spec"]["policies"].append({"name": "once", "type": "apply-once", "properties": {"enable": True, "rules": [
        {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"path": ["spec.replicas"], "affect": "onUpdate"}}]}})
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster("ack-hangzhou-a")
    live = cluster.get("deployments.apps", "shop", "web")
    cluster.update("deployments.apps", {**live, "spec": {**live["spec"], "replicas": 3}})  # e.g. an autoscaler
    doc2 = web_app(image="nginx:1.28")
    doc2["spec"]["policies"] = doc["spec"]["policies"]
    await hub.apply(doc2)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    dep = cluster.get("deployments.apps", "shop", "web")
    assert dep["spec"]["replicas"] == 3  # the update kept the live value
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web")["spec"]["replicas"] == 1


async def test_state_keeping_follows_health(hub, sim):
    await hub.apply(web_app())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster("edge-shenzhen")
    live = cluster.get("deployments.apps", "shop", "web")
    cluster.set_status("deployments.apps", "shop", "web", {**live["status"], "readyReplicas": 0,
                                                           "availableReplicas": 0})
    await hub.engine.keep_state()
    app = await hub.get("shop", "web")
    assert app["status"]["status"] == "unhealthy"
    bad = [s for s in app["status"]["services"] if not s["healthy"]]
    assert [s["cluster"] for s in bad] == ["edge-shenzhen"]
    cells = {c.cluster: c.health for c in await hub.records.matrix()}
    assert cells["edge-shenzhen"] != "healthy" and cells["idc-beijing"] == "healthy"
