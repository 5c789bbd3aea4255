"""State keeping repairs what apply-component and apply-object steps applied, as it repairs
a deploy step's placement — and honours apply-once and read-only for them too."""

from __future__ import annotations

import copy

from engine.conftest import settle
from engine.test_object_steps_sim import CM, components_app, with_object

BEIJING = "idc-beijing"


def _edit(cluster, resource: str, ns: str, name: str, change) -> None:
    live = copy.deepcopy(cluster.get(resource, ns, name))
    change(live)
    cluster.update(resource, live)


async def test_an_apply_object_object_edited_on_the_cluster_is_restored(hub, sim):
    await hub.apply(with_object())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster(BEIJING)
    _edit(cluster, "configmaps", "shop", "settings", lambda o: o["data"].update(mode="off"))
    report = await hub.engine.keep_state()
    assert report.repaired == 1 and report.errors == {}
    assert cluster.get("configmaps", "shop", "settings")["data"] == {"mode": "canary"}
    [record] = await hub.records.drift("shop", "web")
    assert (record.cluster, record.kind, record.name, record.paths, record.action) == \
        (BEIJING, "ConfigMap", "settings", ["data.mode"], "repaired")
    # deleted by hand: it comes back; then nothing left to repair
    cluster.delete("configmaps", "shop", "settings")
    assert (await hub.engine.keep_state()).repaired == 1
    assert cluster.get("configmaps", "shop", "settings")["data"] == {"mode": "canary"}
    assert (await hub.engine.keep_state()).drifted == 0


async def test_an_apply_component_deployment_edited_on_the_cluster_is_restored(hub, sim):
    await hub.apply(components_app())
    assert (await settle(hub, sim, "shop", "shop-front")).phase == "running"
    cluster = sim.cluster("ack-hangzhou-a")
    _edit(cluster, "deployments.apps", "shop", "frontend",
          lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image="nginx:evil"))
    report = await hub.engine.keep_state()
    assert report.repaired == 1
    live = cluster.get("deployments.apps", "shop", "frontend")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert {(r.cluster, r.kind, r.name) for r in await hub.records.drift("shop", "shop-front")} == {
        ("ack-hangzhou-a", "Deployment", "frontend")}


async def test_apply_once_lets_a_step_object_drift(hub, sim):
    doc = with_object()
    doc["spec"]["policies"].append({"name": "once", "type": "apply-once", "properties": {"enable": True, "rules": [
        {"selector": {"resourceTypes": ["ConfigMap"]}, "strategy": {"path": ["data.mode"]}}]}})
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster(BEIJING)
    _edit(cluster, "configmaps", "shop", "settings", lambda o: o["data"].update(mode="off"))
    report = await hub.engine.keep_state()
    assert (report.allowed, report.repaired) == (1, 0)
    assert cluster.get("configmaps", "shop", "settings")["data"] == {"mode": "off"}


async def test_a_read_only_step_object_is_never_written(hub, sim):
    cluster = sim.cluster(BEIJING)
    cluster.create("configmaps", {**copy.deepcopy(CM), "data": {"mode": "theirs"}})
    doc = with_object()
    doc["spec"]["policies"].append({"type": "read-only", "properties": {"rules": [
        {"selector": {"resourceTypes": ["ConfigMap"]}}]}})
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert cluster.get("configmaps", "shop", "settings")["data"] == {"mode": "theirs"}  # the step only read it
    _edit(cluster, "configmaps", "shop", "settings", lambda o: o["data"].update(mode="edited"))
    before = sim.mutations(cluster=BEIJING)
    await hub.engine.keep_state()
    assert cluster.get("configmaps", "shop", "settings")["data"] == {"mode": "edited"}
    assert sim.mutations(cluster=BEIJING) == before


async def test_an_apply_object_without_a_namespace_is_kept_where_it_landed(hub, sim):
    value = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "plain"}, "data": {"a": "1"}}
    await hub.apply(with_object(value=value))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    cluster = sim.cluster(BEIJING)
    assert cluster.get("configmaps", "default", "plain") is not None
    assert (await hub.engine.keep_state()).drifted == 0  # found where the apply put it, not "missing"


async def test_apply_once_on_update_keeps_live_values_of_an_apply_component_object(hub, sim):
    doc = components_app()
    doc["spec"]["components"][0]["traits"] = [{"type": "scaler", "properties": {"replicas": 1}}]
    doc["spec"]["policies"] = [{"name": "once", "type": "apply-once", "properties": {"enable": True, "rules": [
        {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"path": ["spec.replicas"], "affect": "onUpdate"}}]}}]
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "shop-front")).phase == "running"
    cluster = sim.cluster(BEIJING)
    _edit(cluster, "deployments.apps", "shop", "backend", lambda o: o["spec"].update(replicas=3))  # an autoscaler
    doc["spec"]["components"][0]["properties"]["image"] = "busybox:1.37"
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "shop-front")).phase == "running"
    live = cluster.get("deployments.apps", "shop", "backend")
    assert live["spec"]["replicas"] == 3  # the update kept the live value
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "busybox:1.37"
