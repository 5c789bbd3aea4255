"""The metric-gated canary against real Prometheus servers (one per simulated cluster,
scraping its kube-state-metrics): the gate decides by itself — a healthy canary goes on
to the rest of the fleet, a broken one fails the workflow and nothing else is touched."""

from __future__ import annotations

import asyncio

import pytest

from engine.test_workflow_sim import phases, web_app
from fleettui.sim.promstack import PromStack, missing_binaries

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

QUERY = 'kube_deployment_status_replicas_available{namespace="shop",deployment="web"}'


def gated(image: str) -> dict:
    steps = [
        {"name": "canary", "type": "step-group", "subSteps": [
            {"name": "deploy-canary", "type": "deploy", "properties": {"policies": ["first"]}},
            {"name": "gate", "type": "check-metrics",
             "properties": {"query": QUERY, "condition": ">=1", "duration": "20s", "failDuration": "2m"}},
        ]},
        {"name": "rest", "type": "deploy", "properties": {"policies": ["others"]}},
    ]
    return web_app(steps=steps, image=image)


@pytest.fixture
async def prom(sim, hub):
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    hub.engine.fleet.prometheus = dict(stack.prometheus)  # what the fleet file's `prometheus:` gives
    try:
        yield stack
    finally:
        await stack.stop()


async def run(hub, sim, *, rounds: int = 120) -> str:
    """Passes with the simulated clock moving 2 s and real time a little (Prometheus
    scrapes on its own clock), until the workflow settles."""
    for _ in range(rounds):
        result = await hub.engine.reconcile("shop", "web")
        if result.settled:
            return result.phase
        await sim.advance(2, step=1.0)
        await asyncio.sleep(0.2)
    return (await hub.engine.reconcile("shop", "web")).phase


@pytest.mark.slow
async def test_a_healthy_canary_goes_on_by_itself(hub, sim, prom):
    await hub.apply(gated("nginx:1.27"))
    assert await run(hub, sim) == "running"
    app = await hub.get("shop", "web")
    assert phases(app) == {"canary": "succeeded", "rest": "succeeded"}
    gate = next(s for s in app["status"]["workflow"]["steps"][0]["subSteps"] if s["name"] == "gate")
    assert gate["phase"] == "succeeded"
    assert gate["message"].startswith("ack-hangzhou-a: 1 (condition >=1): held for ")
    for cluster in ("idc-beijing", "edge-shenzhen"):
        assert sim.cluster(cluster).get("deployments.apps", "shop", "web") is not None


@pytest.mark.slow
async def test_a_broken_canary_fails_the_workflow_and_stops_there(hub, sim, prom):
    await hub.apply(gated("nginx:broken"))
    assert await run(hub, sim) == "workflowFailed"
    app = await hub.get("shop", "web")
    wf = app["status"]["workflow"]
    assert wf["terminated"] and wf["status"] == "failed"
    group = wf["steps"][0]
    subs = {s["name"]: s for s in group["subSteps"]}
    assert group["phase"] == "failed"
    assert subs["gate"]["phase"] == "failed" and subs["gate"]["reason"] == "CheckMetricsFailed"
    assert subs["gate"]["message"].startswith("ack-hangzhou-a: 0 (condition >=1): failing for ")
    assert "the canary failed its metrics" in wf["message"]
    # the deploy beside the gate stopped with it, as under `vela workflow terminate`
    assert subs["deploy-canary"]["phase"] == "failed" and subs["deploy-canary"]["reason"] == "Terminate"
    assert phases(app)["rest"] == "pending"
    for cluster in ("idc-beijing", "edge-shenzhen"):
        assert sim.cluster(cluster).get("deployments.apps", "shop", "web") is None
    # an operator can still restart it by hand after fixing the image; the ended run stays ended
    assert (await hub.engine.reconcile("shop", "web")).phase == "workflowFailed"
