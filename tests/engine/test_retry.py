"""Retrying an unreachable cluster over a real outage: backoff over a window on the
engine's clock (tests run it on the simulator's), progress said at each try, the
operator's way out (skip the cluster, or terminate)."""

from __future__ import annotations

import random

import pytest
from cli.test_cli_crash import cli

from engine.conftest import EXAMPLES, Engine_for
from engine.test_workflow_sim import web_app
from fleettui.engine.hub_local import LocalHub
from fleettui.engine.retry import RetryPolicy, record_failure

ALL = [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}]


def test_backoff_is_capped_full_jitter_and_gives_up_after_the_window():
    policy = RetryPolicy(window=300, base=2, cap=60, rng=random.Random(1))
    st, now, waits = None, 0.0, []
    while True:
        st, gave_up = record_failure(st, policy, now=now, reason="down")
        if gave_up:
            break
        waits.append(st.next_at - now)
        now = st.next_at
    assert now >= 300 and st.attempts == len(waits) + 1
    assert all(0 <= w <= min(60, 2 * 2 ** i) for i, w in enumerate(waits))
    assert max(waits) > 10  # it does back off: not ten tries a second apart
    assert record_failure(None, RetryPolicy(window=0), now=5.0, reason="x")[1]  # 0: no retries
    with pytest.raises(ValueError):
        RetryPolicy(window=-1)


@pytest.fixture
def slow_hub(store, fleet, sim):
    from fleettui.store.apps import AppStore

    records = AppStore(store)
    said: list[str] = []
    engine = Engine_for(records, fleet, sim, retry=RetryPolicy(window=120, base=2, cap=20, rng=random.Random(0)),
                        on_retry=lambda ns, name, line: said.append(line))
    hub = LocalHub(records, engine=engine, clock=sim.clock.now)
    hub.said = said
    return hub


async def passes(hub, sim, seconds: float, every: float = 1.0):
    result = None
    for _ in range(int(seconds / every)):
        result = await hub.engine.reconcile("shop", "web")
        if result.settled:
            return result
        await sim.advance(every, step=every)
    return result


async def test_an_outage_is_retried_over_the_window_with_progress(slow_hub, sim):
    hub = slow_hub
    sim.faults.set("idc-beijing", down="refuse")
    doc = web_app()
    doc["spec"]["policies"] = ALL
    await hub.apply(doc)
    result = await passes(hub, sim, 60)
    # before: failed after 10 attempts ~1 pass apart, nothing said meanwhile
    assert not result.settled and result.phase == "runningWorkflow"
    step = (await hub.get("shop", "web"))["status"]["workflow"]["steps"][0]
    assert step["phase"] == "running"
    assert "retrying idc-beijing (attempt " in step["message"] and ", next in " in step["message"]
    attempts = [int(line.split("attempt ")[1].split(",")[0]) for line in hub.said]
    assert attempts == list(range(1, len(attempts) + 1)) and 3 <= len(attempts) < 20  # backed off, not every pass
    assert all(line.startswith("retrying idc-beijing (attempt ") and "): " in line for line in hub.said)
    result = await passes(hub, sim, 120)
    assert result.phase == "workflowFailed"
    step = (await hub.get("shop", "web"))["status"]["workflow"]["steps"][0]
    assert step["reason"] == "FailedAfterRetries" and "gave up after" in step["message"]


async def test_skip_cluster_carries_on_without_it_and_keeps_what_it_runs(slow_hub, sim):
    hub = slow_hub
    await hub.apply(web_app(clusters=["idc-beijing", "edge-shenzhen"]))
    assert (await passes(hub, sim, 60)).phase == "running"
    before = sim.cluster("idc-beijing").get("deployments.apps", "shop", "web")
    sim.faults.set("idc-beijing", down="refuse")
    await hub.apply(web_app(image="nginx:1.28", clusters=["idc-beijing", "edge-shenzhen"]))
    assert not (await passes(hub, sim, 10)).settled
    with pytest.raises(Exception, match="not in the fleet"):
        await hub.skip_cluster("shop", "web", "nosuch")
    msg = await hub.skip_cluster("shop", "web", "idc-beijing")
    assert "Successfully skip cluster idc-beijing" in msg
    assert (await passes(hub, sim, 60)).phase == "running"
    placements = {p.cluster: p for p in await hub.records.placements("shop", "web")}
    assert placements["idc-beijing"].state == "skipped"
    image = sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "web")["spec"]["template"]["spec"]
    assert image["containers"][0]["image"] == "nginx:1.28"
    sim.faults.clear("idc-beijing")
    await hub.engine.reconcile("shop", "web")
    await hub.engine.keep_state()
    # garbage collection leaves the skipped cluster's running version alone
    after = sim.cluster("idc-beijing").get("deployments.apps", "shop", "web")
    assert after is not None and after["metadata"]["uid"] == before["metadata"]["uid"]
    assert after["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


async def test_cli_says_each_retry_and_honours_retry_for(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(EXAMPLES / "replication.yaml"),
                               "--retry-for", "soon", advance=False)
    assert code == 1 and "--retry-for" in err and "Traceback" not in err
    sim.faults.set("idc-beijing", down="refuse")
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(EXAMPLES / "replication.yaml"),
                               "--retry-for", "4s")
    assert code == 1, (out, err)
    assert "fleettui: platform/node-agent: retrying idc-beijing (attempt 1, next in " in err
    assert "gave up after" in out and "Traceback" not in err
