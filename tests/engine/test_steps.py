"""The workflow steps beyond deploy/suspend: the check-metrics gate's arithmetic, how a
failing gate stops the whole workflow, validation naming each field, and the
notification webhook against a real local HTTP server."""

from __future__ import annotations

import copy

import pytest
from aiohttp import web

from engine.test_model import doc, problems
from fleettui.engine import workflow
from fleettui.engine.model import Step
from fleettui.engine.steps import StepRunner, notification
from fleettui.engine.steps.check_metrics import (
    Gate,
    Measurement,
    judge,
    measurements,
    parse_condition,
)
from fleettui.engine.validate import parse_application
from fleettui.engine.workflow import DeployOutcome, WorkflowRunner, new_workflow
from fleettui.prom import ClusterAnswer, FleetAnswer

GATE = Gate("q", parse_condition(">=0.95"), duration=60.0, fail_duration=30.0, endpoint=None)


def test_condition_parsing_and_comparison():
    assert parse_condition(">=0.95")(0.95) and not parse_condition(">=0.95")(0.949)
    assert parse_condition("< 10")(9) and parse_condition("==1")(1.0) and parse_condition("!=0")(2)
    assert str(parse_condition(">1e3")) == ">1000"
    for bad in ("0.95", ">= x", "=>1", 5, None):
        with pytest.raises(ValueError, match="must be an operator"):
            parse_condition(bad)


def test_gate_succeeds_only_after_holding_for_duration_without_a_break():
    state: dict = {}
    ok = [Measurement("a", (0.99,)), Measurement("b", (0.97,))]
    assert not judge(GATE, ok, state, 100.0).done
    out = judge(GATE, ok, state, 150.0)
    assert not out.done and out.message == "a: 0.99; b: 0.97 (condition >=0.95): held for 50s of 60s"
    # one bad measurement on one cluster restarts the count
    assert not judge(GATE, [Measurement("a", (0.99,)), Measurement("b", (0.5,))], state, 155.0).done
    assert not judge(GATE, ok, state, 200.0).done
    done = judge(GATE, ok, state, 260.0)
    assert done.done and not done.failed and "held for 60s of 60s" in done.message


def test_gate_fails_the_workflow_after_failing_for_fail_duration():
    state: dict = {}
    low = [Measurement("a", (0.5,))]
    assert not judge(GATE, low, state, 0.0).failed
    assert not judge(GATE, [Measurement("a", (0.99,))], state, 20.0).failed  # a pass resets the fail clock
    assert not judge(GATE, low, state, 25.0).failed
    out = judge(GATE, low, state, 55.0)
    assert out.failed and out.terminate and out.reason == "CheckMetricsFailed"
    assert out.message == "a: 0.5 (condition >=0.95): failing for 30s of 30s: the canary failed its metrics"


def test_no_data_or_an_unreachable_prometheus_is_not_a_pass():
    state: dict = {}
    assert "failing" in judge(GATE, [], state, 0.0).message
    assert not Measurement("a").held(GATE.condition)
    assert not Measurement("a", error="timed out").held(GATE.condition)
    assert not Measurement("a", (float("nan"),)).held(GATE.condition)
    assert judge(GATE, [Measurement("a", error="timed out")], {}, 0.0).message.startswith("a: timed out")


def test_measurements_from_vector_and_scalar_answers():
    answer = FleetAnswer({
        "a": ClusterAnswer("a", result=[{"metric": {}, "value": [1.0, "0.98"]}]),
        "b": ClusterAnswer("b", result=[1.0, "3"]),
        "c": ClusterAnswer("c", error="unreachable", error_kind="unreachable"),
        "d": ClusterAnswer("d", result=[]),
    })
    assert measurements(answer) == [Measurement("a", (0.98,)), Measurement("b", (3.0,)),
                                    Measurement("c", error="unreachable"), Measurement("d", ())]


async def _noop() -> None:
    return None


async def test_a_failing_gate_stops_the_workflow_and_what_ran_beside_it():
    steps = (Step("canary", "step-group", {}, (Step("deploy-canary", "deploy", {"policies": ["c"]}),
                                               Step("gate", "check-metrics", {}))),
             Step("rest", "deploy", {"policies": ["r"]}))
    wf = new_workflow(steps, "app-v1", 0.0)

    async def deploy(step: Step, started: float) -> DeployOutcome:
        return DeployOutcome(message="waiting for healthy")

    async def gate(step: Step, st: dict) -> DeployOutcome:
        return DeployOutcome(failed=True, terminate=True, reason="CheckMetricsFailed", message="low")

    await WorkflowRunner(wf, steps, now=10.0, deploy=deploy, persist=_noop, run_step=gate).run()
    subs = {s["name"]: s for s in wf["steps"][0]["subSteps"]}
    assert (wf["terminated"], wf["status"], wf["message"]) == (True, "failed", "step gate failed: low")
    assert subs["gate"]["phase"] == "failed" and subs["deploy-canary"]["reason"] == "Terminate"
    assert wf["steps"][0]["phase"] == "failed" and wf["steps"][1]["phase"] == "pending"


async def test_a_running_gate_can_be_suspended_resumed_and_terminated_by_hand():
    steps = (Step("gate", "check-metrics", {}),)
    wf = new_workflow(steps, "app-v1", 0.0)
    calls = []

    async def gate(step: Step, st: dict) -> DeployOutcome:
        calls.append(step.name)
        return DeployOutcome(message="a: 0.5 (condition >=0.95): failing for 5s of 30s")

    async def deploy(step: Step, started: float) -> DeployOutcome:
        raise AssertionError

    await WorkflowRunner(wf, steps, now=1.0, deploy=deploy, persist=_noop, run_step=gate).run()
    assert wf["steps"][0]["phase"] == "running" and calls == ["gate"]
    held = workflow.suspend({"workflow": wf})
    await WorkflowRunner(held, steps, now=2.0, deploy=deploy, persist=_noop, run_step=gate).run()
    assert calls == ["gate"]  # suspended: not measured
    resumed = workflow.resume({"workflow": held})
    await WorkflowRunner(resumed, steps, now=3.0, deploy=deploy, persist=_noop, run_step=gate).run()
    assert calls == ["gate", "gate"]
    ended = workflow.terminate({"workflow": copy.deepcopy(resumed)})
    assert ended["steps"][0]["phase"] == "failed" and ended["steps"][0]["reason"] == "Terminate"


def _steps_doc(*steps: dict) -> dict:
    return doc(workflow={"steps": [{"name": "d", "type": "deploy", "properties": {"policies": ["all"]}}, *steps]})


def test_validation_names_each_field_of_the_new_steps():
    got = problems(_steps_doc(
        {"name": "g", "type": "check-metrics", "properties": {"condition": "0.9", "duration": "5 minutes",
                                                             "metricEndpoint": "prom:9090", "step": 1}},
        {"name": "n", "type": "notification", "properties": {"slack": {"url": {"value": "x"}}}},
        {"name": "n2", "type": "notification", "properties": {"webhook": {"url": {"secretRef": {"name": "s"}}}}},
        {"name": "p", "type": "print-message-in-status", "properties": {}},
    ))
    paths = {g.split(":")[0] for g in got}
    pre = "spec.workflow.steps"
    assert {f"{pre}[1].properties.query", f"{pre}[1].properties.condition", f"{pre}[1].properties.duration",
            f"{pre}[1].properties.metricEndpoint", f"{pre}[1].properties.step", f"{pre}[2].properties.slack",
            f"{pre}[2].properties.webhook", f"{pre}[3].properties.webhook.url.secretRef",
            f"{pre}[4].properties.message"} <= paths, got


def test_kubevela_examples_of_the_new_steps_parse():
    app = parse_application(_steps_doc(
        {"name": "check", "type": "check-metrics", "properties": {
            "query": 'sum(irate(request_total{status="200"}[1m]))/sum(irate(request_total[1m]))',
            "condition": ">=0.95", "duration": "2m", "failDuration": "30s"}},
        {"name": "note", "type": "notification", "properties": {"webhook": {
            "url": {"value": "http://hooks.example/x"}, "message": {"text": "canary passed"}}}},
        {"name": "msg", "type": "print-message-in-status", "properties": {"message": "all good"}},
    ))
    assert [s.type for s in app.steps] == ["deploy", "check-metrics", "notification", "print-message-in-status"]


async def test_notification_posts_to_the_webhook_once_and_records_the_message():
    got: list[dict] = []

    async def hook(request: web.Request) -> web.Response:
        got.append(await request.json())
        return web.Response(text="ok")

    server = web.Application()
    server.router.add_post("/hook", hook)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        url = f"http://127.0.0.1:{port}/hook"
        app = parse_application(_steps_doc({"name": "note", "type": "notification", "properties": {
            "webhook": {"url": {"value": url}, "message": {"text": "canary passed"}}}}))
        step = app.steps[1]
        st: dict = {}
        out = await notification.send(app, step, st, now=5.0)
        assert out.done and out.message == f"sent to {url}: canary passed"
        assert got == [{"text": "canary passed"}]
        st["message"] = out.message
        assert (await notification.send(app, step, st, now=6.0)).done
        assert len(got) == 1  # a second pass (a restarted engine) does not notify twice

        bad = parse_application(_steps_doc({"name": "note", "type": "notification", "properties": {
            "webhook": {"url": {"value": url + "/missing"}, "message": "x"}}}))
        out = await notification.send(bad, bad.steps[1], {}, now=7.0)
        assert out.failed and "answered HTTP 404" in out.message
    finally:
        await runner.cleanup()
    down = await notification.send(app, step, {}, now=8.0)
    assert down.failed and down.message.startswith(f"notification to {url} failed")


async def test_print_message_in_status_is_the_step_message():
    app = parse_application(_steps_doc({"name": "msg", "type": "print-message-in-status",
                                        "properties": {"message": "all good"}}))
    runner = StepRunner(app, None, revision="app-v1", clock=lambda: 0.0, prometheus={})  # type: ignore[arg-type]
    out = await runner(app.steps[1], {})
    assert out.done and out.message == "all good"


def test_the_engine_gets_each_clusters_prometheus_from_the_fleet_file(tmp_path):
    import argparse

    from fleettui.cli.commands.app import prometheus_urls

    path = tmp_path / "fleet.yaml"
    path.write_text("clusters:\n"
                    "  prod-a:\n    context: ctx-a\n    prometheus: http://prom-a:9090\n"
                    "  prod-b:\n    provider: ack\n")
    assert prometheus_urls(argparse.Namespace(fleet=str(path))) == {"prod-a": "http://prom-a:9090",
                                                                     "ctx-a": "http://prom-a:9090"}
