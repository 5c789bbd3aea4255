"""Workflow behaviour against the simulator: approval gate, suspend with duration,
suspend/terminate/restart, rollback, garbage collection."""

from __future__ import annotations

import copy

import pytest

from engine.conftest import settle
from fleettui.engine.errors import OperationRefused


def web_app(name: str = "web", *, steps=None, image: str = "nginx:1.27", extra_objects=(), clusters=None) -> dict:
    objects = [{
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": image}]}}},
    }, *extra_objects]
    doc = {
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "components": [{"name": name, "type": "k8s-objects", "properties": {"objects": objects}}],
            "policies": [
                {"name": "first", "type": "topology", "properties": {"clusters": ["ack-hangzhou-a"]}},
                {"name": "others", "type": "topology",
                 "properties": {"clusters": clusters or ["idc-beijing", "edge-shenzhen"]}},
            ],
        },
    }
    if steps is not None:
        doc["spec"]["workflow"] = {"steps": steps}
    return doc


def phases(app: dict) -> dict[str, str]:
    return {s["name"]: s["phase"] for s in app["status"]["workflow"]["steps"]}


async def test_approval_gate_waits_before_the_step(hub, sim):
    steps = [{"name": "first", "type": "deploy", "properties": {"policies": ["first"]}},
             {"name": "rest", "type": "deploy", "properties": {"policies": ["others"], "auto": False}}]
    await hub.apply(web_app(steps=steps))
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowSuspending"
    app = await hub.get("shop", "web")
    assert phases(app) == {"first": "succeeded", "rest": "suspending"}
    assert app["status"]["workflow"]["message"] == 'Waiting approval to the deploy step "rest"'
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is None
    before = sim.mutations("idc-beijing")
    await sim.advance(60)
    assert (await hub.engine.reconcile("shop", "web")).phase == "workflowSuspending"
    assert sim.mutations("idc-beijing") == before  # nothing applied behind the gate

    with pytest.raises(OperationRefused):
        await hub.resume("shop", "web", step="no-such-step")
    await hub.resume("shop", "web", step="rest")
    assert phases(await hub.get("shop", "web"))["rest"] == "running"
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is not None


async def test_suspend_with_duration_resumes_by_itself(hub, sim):
    steps = [{"name": "first", "type": "deploy", "properties": {"policies": ["first"]}},
             {"name": "bake", "type": "suspend", "properties": {"duration": "5m", "message": "baking"}},
             {"name": "rest", "type": "deploy", "properties": {"policies": ["others"]}}]
    await hub.apply(web_app(steps=steps))
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowSuspending" and result.wakeup is not None
    rec = await hub.records.get_app("shop", "web")
    assert rec.next_wakeup == result.wakeup  # persisted: any later process knows when
    await sim.advance(120)
    assert (await hub.engine.reconcile("shop", "web")).phase == "workflowSuspending"
    await sim.advance(200)
    pending = await hub.engine.run_pending()
    assert ("shop", "web") in pending
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert phases(await hub.get("shop", "web")) == {"first": "succeeded", "bake": "succeeded", "rest": "succeeded"}


async def test_suspend_terminate_restart(hub, sim):
    steps = [{"name": "first", "type": "deploy", "properties": {"policies": ["first"]}},
             {"name": "gate", "type": "suspend"},
             {"name": "rest", "type": "deploy", "properties": {"policies": ["others"]}}]
    await hub.apply(web_app(steps=steps))
    await settle(hub, sim, "shop", "web")
    msg = await hub.terminate("shop", "web")
    assert "terminate" in msg
    app = await hub.get("shop", "web")
    assert app["status"]["workflow"]["terminated"] is True
    gate = next(s for s in app["status"]["workflow"]["steps"] if s["name"] == "gate")
    assert gate["phase"] == "failed" and gate["reason"] == "Terminate"
    assert (await hub.engine.reconcile("shop", "web")).phase == "workflowTerminated"
    with pytest.raises(OperationRefused):
        await hub.resume("shop", "web")

    await hub.restart("shop", "web")
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowSuspending"
    assert phases(await hub.get("shop", "web"))["gate"] == "suspending"
    # suspend while nothing runs only sets the flag; resume clears it
    await hub.resume("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "running"


async def test_new_revision_garbage_collects_and_rollback_restores(hub, sim):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config"}, "data": {"k": "v1"}}
    await hub.apply(web_app(extra_objects=[cm]))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    for c in sim.cluster_names:
        assert sim.cluster(c).get("configmaps", "shop", "web-config") is not None
    app1 = await hub.get("shop", "web")
    assert app1["status"]["latestRevision"]["name"] == "web-v1"

    # v2: the ConfigMap is dropped, and edge-shenzhen leaves the topology
    v2 = web_app(image="nginx:1.28", clusters=["idc-beijing"])
    res = await hub.apply(v2)
    assert res.action == "configured"
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    app2 = await hub.get("shop", "web")
    assert app2["status"]["latestRevision"]["name"] == "web-v2"
    for c in sim.cluster_names:
        assert sim.cluster(c).get("configmaps", "shop", "web-config") is None
    assert sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "web") is None
    dep = sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    events = [e.reason for e in await hub.records.events("shop", "web")]
    assert "GarbageCollected" in events

    msg = await hub.rollback("shop", "web")
    assert "web-v1" in msg
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    app3 = await hub.get("shop", "web")
    assert app3["status"]["latestRevision"]["name"] == "web-v1"  # the revision is reused
    for c in sim.cluster_names:
        assert sim.cluster(c).get("configmaps", "shop", "web-config") is not None
    dep = sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "web")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert [r.name for r in await hub.records.revisions("shop", "web")] == ["web-v1", "web-v2"]
    # explicit revision
    await hub.rollback("shop", "web", revision=2)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert (await hub.get("shop", "web"))["status"]["latestRevision"]["name"] == "web-v2"


async def test_delete_removes_everything_placed(hub, sim):
    await hub.apply(web_app())
    await settle(hub, sim, "shop", "web")
    await hub.delete("shop", "web")
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "deleted"
    assert await hub.get("shop", "web") is None
    for c in sim.cluster_names:
        assert sim.cluster(c).get("deployments.apps", "shop", "web") is None


async def test_unchanged_apply_keeps_revision(hub, sim):
    doc = web_app()
    await hub.apply(doc)
    await settle(hub, sim, "shop", "web")
    res = await hub.apply(copy.deepcopy(doc))
    assert res.action == "unchanged"
    await settle(hub, sim, "shop", "web")
    assert len(await hub.records.revisions("shop", "web")) == 1


async def test_suspend_a_running_deploy_then_resume(hub, sim):
    await hub.apply(web_app())
    first = await hub.engine.reconcile("shop", "web")  # applied, not healthy yet: the step runs
    assert first.phase == "runningWorkflow"
    await hub.suspend("shop", "web")
    app = await hub.get("shop", "web")
    assert app["status"]["workflow"]["suspend"] is True
    assert phases(app) == {"deploy-first": "suspending", "deploy-others": "pending"}
    await sim.advance(30)
    assert (await hub.engine.reconcile("shop", "web")).phase == "workflowSuspending"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is None
    await hub.resume("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "running"


async def test_garbage_on_a_down_cluster_is_collected_later(hub, sim):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config"}, "data": {"k": "v1"}}
    await hub.apply(web_app(extra_objects=[cm]))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    sim.faults.set("edge-shenzhen", down="refuse")
    v2 = web_app(clusters=["idc-beijing"])  # drops the ConfigMap and edge-shenzhen
    await hub.apply(v2)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "web") is not None  # could not delete
    assert sim.cluster("idc-beijing").get("configmaps", "shop", "web-config") is None
    assert "GCFailed" in [e.reason for e in await hub.records.events("shop", "web")]
    sim.faults.clear("edge-shenzhen")
    await hub.engine.keep_state()
    assert sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "web") is None
    assert sim.cluster("edge-shenzhen").get("configmaps", "shop", "web-config") is None
    assert {r.cluster for r in await hub.records.resources("shop", "web")} == {"ack-hangzhou-a", "idc-beijing"}


async def test_engine_loop_picks_up_pending_work(hub, sim):
    import asyncio
    import contextlib

    steps = [{"name": "first", "type": "deploy", "properties": {"policies": ["first"]}},
             {"name": "bake", "type": "suspend", "properties": {"duration": "1m"}},
             {"name": "rest", "type": "deploy", "properties": {"policies": ["others"]}}]
    await hub.apply(web_app(steps=steps))  # stored only: the loop must find it
    task = asyncio.create_task(hub.engine.run(poll=0.05, keep_state_every=0.2))
    try:
        for _ in range(200):
            await asyncio.sleep(0.02)
            await sim.advance(2.0)
            rec = await hub.records.get_app("shop", "web")
            if rec.phase == "running":
                break
        assert rec.phase == "running"
        assert phases(await hub.get("shop", "web")) == {"first": "succeeded", "bake": "succeeded",
                                                          "rest": "succeeded"}
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_restart_from_a_step_keeps_the_earlier_ones(hub, sim):
    await hub.apply(web_app())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    first_done = {s["name"]: s.get("firstExecuteTime") for s in (await hub.get("shop", "web"))["status"]["workflow"]["steps"]}
    canary_writes = sim.mutations("ack-hangzhou-a")
    sim.cluster("idc-beijing").delete("deployments.apps", "shop", "web")
    await hub.restart("shop", "web", step="deploy-others")
    assert phases(await hub.get("shop", "web")) == {"deploy-first": "succeeded", "deploy-others": "pending"}
    await sim.advance(5)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    steps = {s["name"]: s for s in (await hub.get("shop", "web"))["status"]["workflow"]["steps"]}
    assert steps["deploy-first"]["firstExecuteTime"] == first_done["deploy-first"]
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is not None
    assert sim.mutations("ack-hangzhou-a") == canary_writes


async def test_resume_a_step_group_by_name_runs_its_gated_sub_steps(hub, sim):
    steps = [{"name": "first", "type": "deploy", "properties": {"policies": ["first"]}},
             {"name": "approve", "type": "step-group", "subSteps": [
                 {"name": "rest", "type": "deploy", "properties": {"policies": ["others"], "auto": False}},
                 {"name": "gate", "type": "suspend"}]}]
    await hub.apply(web_app(steps=steps))
    assert (await settle(hub, sim, "shop", "web")).phase == "workflowSuspending"
    msg = await hub.resume("shop", "web", step="approve")
    assert "Successfully resume" in msg
    group = (await hub.get("shop", "web"))["status"]["workflow"]["steps"][1]
    assert {s["name"]: s["phase"] for s in group["subSteps"]} == {"rest": "running", "gate": "running"}
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is not None
