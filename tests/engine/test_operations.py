"""Engine operations under faults and concurrency: delete with a cluster unreachable
(bounded, reported, finished by garbage collection later), the lease between processes
(a live holder is an error, a dead one does not block), resuming step-groups."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from cli.test_cli_crash import cli, read_app

from engine.conftest import EXAMPLES, settle
from engine.test_workflow_sim import web_app
from fleettui.engine.lease import LeaseHeld, new_owner

ALL = [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}]


@pytest.mark.slow
async def test_delete_with_a_cluster_down_settles_and_is_finished_when_it_returns(hub, sim):
    doc = web_app()
    doc["spec"]["policies"] = ALL
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    sim.faults.set("idc-beijing", down="refuse")
    await hub.delete("shop", "web")
    result = await hub.engine.reconcile("shop", "web")
    # before: settled=False for ever (a command waiting on it hung)
    assert result.settled and result.phase == "deleting" and result.wakeup is not None
    for c in ("ack-hangzhou-a", "edge-shenzhen"):
        assert sim.cluster(c).get("deployments.apps", "shop", "web") is None
    app = await hub.get("shop", "web")
    assert "idc-beijing" in app["status"]["workflow"]["message"]
    assert {r.cluster for r in await hub.records.resources("shop", "web")} == {"idc-beijing"}
    # not retried before it is due (a down cluster costs a timeout per try)
    before = sum(1 for e in await hub.records.events("shop", "web") if e.reason == "DeleteFailed")
    assert (await hub.engine.run_pending()) == {}
    sim.faults.clear("idc-beijing")
    await sim.advance(31)
    results = await hub.engine.run_pending()
    assert results[("shop", "web")].phase == "deleted"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "web") is None
    assert await hub.get("shop", "web") is None
    assert before == 1


async def test_a_dead_processes_lease_does_not_block_and_a_live_one_is_an_error(hub, sim):
    await hub.apply(web_app())
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await proc.wait()  # a pid that certainly is not running any more
    dead = new_owner().split("/")[0] + f"/{proc.pid}-deadbeef"
    assert await hub.records.acquire_lease("shop", "web", dead, now=sim.clock.now(), ttl=3600)
    result = await hub.engine.run_until_settled("shop", "web", lease_wait=0, sleep=lambda _: sim.advance(2))
    assert result.phase == "running"  # before: None, "being run by another process", nothing done
    live = new_owner().split("/")[0] + f"/{os.getppid()}-cafecafe"
    import time

    assert await hub.records.acquire_lease("shop", "web", live, now=time.time(), ttl=3600, steal_from=hub.engine.owner)
    with pytest.raises(LeaseHeld, match=rf"being run by another fleettui process \(pid {os.getppid()}\)"):
        await hub.engine.run_until_settled("shop", "web", lease_wait=0.2)


@pytest.mark.slow
async def test_cli_delete_with_a_cluster_down_returns_reports_and_fails(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(EXAMPLES / "replication.yaml"))
    assert code == 0, err
    sim.faults.set("idc-beijing", latency=60.0)  # answers nothing within the request timeout
    code, out, err = await asyncio.wait_for(
        cli(sim, kubeconfig_path, cache, "app", "delete", "node-agent", "-n", "platform"), 60)
    assert code != 0
    assert "idc-beijing" in err and "garbage collection" in err and "Traceback" not in err
    assert "another fleettui process" not in err
    for c in ("ack-hangzhou-a", "edge-shenzhen"):
        assert sim.cluster(c).get("daemonsets.apps", "platform", "node-agent") is None
    rec, _ = await read_app(cache, "platform", "node-agent")
    assert rec is not None and rec.deleting and rec.lease_owner is None
    sim.faults.clear("idc-beijing")
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "delete", "node-agent", "-n", "platform")
    assert code == 0, err
    assert "deleted" in out
    assert sim.cluster("idc-beijing").get("daemonsets.apps", "platform", "node-agent") is None


async def test_cli_resume_names_a_group_or_fails_listing_the_steps(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    doc = tmp_path / "grouped.yaml"
    text = (EXAMPLES / "canary.yaml").read_text()
    text = text[:text.index("  workflow:")] + """  workflow:
    steps:
      - {name: deploy-canary, type: deploy, properties: {policies: [canary]}}
      - name: approvals
        type: step-group
        subSteps:
          - {name: gate, type: suspend, properties: {message: check the canary}}
          - {name: qa, type: suspend}
      - {name: deploy-rest, type: deploy, properties: {policies: [rest]}}
"""
    doc.write_text(text)
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(doc))
    assert code == 0, err
    assert "phase: workflowSuspending" in out
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "status", "orders-api", "-n", "shop",
                               advance=False)
    assert code == 0, err
    lines = out.splitlines()
    group = next(i for i, line in enumerate(lines) if line.startswith("approvals"))
    assert lines[group + 1].startswith("  - gate ") and "suspending" in lines[group + 1]
    assert lines[group + 2].startswith("  - qa ")
    code, out, err = await cli(sim, kubeconfig_path, cache, "workflow", "resume", "orders-api", "-n", "shop",
                               "--step", "aprovals", advance=False)
    assert code != 0 and "can not find step aprovals" in err and "approvals (sub-steps: gate, qa)" in err
    code, out, err = await cli(sim, kubeconfig_path, cache, "workflow", "resume", "orders-api", "-n", "shop",
                               "--step", "approvals")
    assert code == 0, err
    assert "phase: running" in out
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "orders-api") is not None
