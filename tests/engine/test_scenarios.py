"""The three scenarios of examples/ end to end against the simulator (local hub)."""

from __future__ import annotations

import yaml

from engine.conftest import EXAMPLES, settle


def load(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text())


async def test_replication_reaches_every_cluster(hub, sim):
    res = await hub.apply(load("replication.yaml"))
    assert res.action == "created"
    assert sorted({p.cluster for p in res.plan}) == sorted(sim.cluster_names)
    result = await settle(hub, sim, "platform", "node-agent")
    assert result.phase == "running", (await hub.get("platform", "node-agent"))["status"]
    for name in sim.cluster_names:
        ds = sim.cluster(name).get("daemonsets.apps", "platform", "node-agent")
        assert ds is not None
        labels = ds["metadata"]["labels"]
        assert labels["app.oam.dev/name"] == "node-agent"
        assert labels["app.oam.dev/namespace"] == "platform"
        assert labels["app.oam.dev/component"] == "node-agent"
        assert labels["app.oam.dev/cluster"] == name
        managers = {m["manager"] for m in ds["metadata"].get("managedFields") or []}
        assert "fleettui" in managers
    status = (await hub.get("platform", "node-agent"))["status"]
    assert status["workflow"]["finished"] is True
    assert [s["name"] for s in status["workflow"]["steps"]] == ["deploy-everywhere"]
    assert {s["cluster"] for s in status["services"]} == set(sim.cluster_names)
    assert all(s["healthy"] for s in status["services"])
    assert len(status["appliedResources"]) == 2 * len(sim.cluster_names)


async def test_differentiated_configuration_per_cluster(hub, sim):
    res = await hub.apply(load("differentiated.yaml"))
    by_cluster = {p.cluster: p for p in res.plan}
    assert set(by_cluster) == {"ack-hangzhou-a", "idc-beijing"}
    assert any("replicas" in o for o in by_cluster["ack-hangzhou-a"].overrides)
    result = await settle(hub, sim, "shop", "webstore")
    assert result.phase == "running"
    ack = sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "webstore")
    idc = sim.cluster("idc-beijing").get("deployments.apps", "shop", "webstore")
    assert ack["spec"]["replicas"] == 3
    assert ack["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert idc["spec"]["replicas"] == 1
    assert idc["spec"]["template"]["spec"]["containers"][0]["image"] == "mirror.idc.local/library/nginx:1.27"
    assert sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "webstore") is None
    detail = await hub.records.detail("shop", "webstore")
    placements = {p.cluster: p for p in detail.placements}
    assert any(path.endswith("replicas") for path, _, _ in placements["ack-hangzhou-a"].overrides)


async def test_canary_gate_then_resume(hub, sim):
    await hub.apply(load("canary.yaml"))
    result = await settle(hub, sim, "shop", "orders-api")
    assert result.phase == "workflowSuspending"
    status = (await hub.get("shop", "orders-api"))["status"]
    phases = {s["name"]: s["phase"] for s in status["workflow"]["steps"]}
    assert phases == {"deploy-canary": "succeeded", "gate": "suspending", "deploy-rest": "pending"}
    assert status["workflow"]["suspend"] is True
    assert "check it" in status["workflow"]["message"]
    assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "orders-api") is not None
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "orders-api") is None
    # the gate holds however long we wait
    for _ in range(3):
        assert (await hub.engine.reconcile("shop", "orders-api")).phase == "workflowSuspending"
        await sim.advance(30)
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "orders-api") is None

    msg = await hub.resume("shop", "orders-api")
    assert "resume" in msg
    status = (await hub.get("shop", "orders-api"))["status"]
    assert status["workflow"]["suspend"] is False
    assert {s["name"]: s["phase"] for s in status["workflow"]["steps"]}["gate"] == "running"
    result = await settle(hub, sim, "shop", "orders-api")
    assert result.phase == "running"
    for name in ("idc-beijing", "edge-shenzhen"):
        assert sim.cluster(name).get("deployments.apps", "shop", "orders-api") is not None
