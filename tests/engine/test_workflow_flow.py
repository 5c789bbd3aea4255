"""Workflow flow control as KubeVela defines it: `if` on earlier steps' status, `timeout`,
`dependsOn`, and `mode` DAG / StepByStep — pure, on the runner with scripted steps."""

from __future__ import annotations

import pytest

from engine.test_model import doc, problems
from fleettui.engine import conditions
from fleettui.engine.model import Step
from fleettui.engine.validate import parse_application
from fleettui.engine.workflow import DeployOutcome, WorkflowRunner, iso, new_workflow, resume


async def _noop() -> None:
    return None


class Script:
    """Deploy steps answer from a table: name -> outcome (default: done). Records the calls."""

    def __init__(self, **outcomes: DeployOutcome) -> None:
        self.outcomes = outcomes
        self.calls: list[str] = []

    async def __call__(self, step: Step, started: float) -> DeployOutcome:
        self.calls.append(step.name)
        return self.outcomes.get(step.name.replace("-", "_"), DeployOutcome(done=True))


def phases(wf: dict) -> dict[str, str]:
    return {s["name"]: s["phase"] for s in wf["steps"]}


async def run(steps, script, *, now=0.0, wf=None, mode=("StepByStep", "DAG")):
    wf = wf or new_workflow(steps, "app-v1", now, mode=mode)
    await WorkflowRunner(wf, steps, now=now, deploy=script, persist=_noop, mode=mode).run()
    return wf


def dstep(name, **kw):
    return Step(name, "deploy", {"policies": ["all"]}, **kw)


def test_conditions_parse_and_evaluate_kubevela_forms():
    st = {"a": {"phase": "succeeded"}, "b-c": {"phase": "failed", "reason": "Timeout"}}
    assert conditions.evaluate(conditions.parse('status.a.phase == "succeeded"'), st)
    assert conditions.evaluate(conditions.parse('status["b-c"].phase != "succeeded" && status["b-c"].timeout'), st)
    assert not conditions.evaluate(conditions.parse('!(status.a.phase == "succeeded" || false)'), st)
    assert conditions.evaluate(conditions.parse("always"), {})
    for bad, why in (('inputs.x == "1"', "not supported"), ("status.a.colour", "can be tested"),
                     ('status.a.phase ==', "ends too early"), ("status.a.phase = 1", "cannot read")):
        with pytest.raises(conditions.ConditionError, match=why):
            conditions.parse(bad)


async def test_after_a_failure_only_steps_whose_if_holds_run():
    steps = (dstep("deploy"), dstep("rollback", if_='status.deploy.phase == "failed"'),
             dstep("next"), dstep("notify", if_="always"))
    script = Script(deploy=DeployOutcome(failed=True, message="boom"))
    wf = await run(steps, script)
    assert script.calls == ["deploy", "rollback", "notify"]
    assert phases(wf) == {"deploy": "failed", "rollback": "succeeded", "next": "skipped", "notify": "succeeded"}
    assert wf["terminated"] and wf["status"] == "failed" and wf["message"] == "step deploy failed: boom"


async def test_an_if_that_does_not_hold_skips_the_step_and_the_workflow_goes_on():
    steps = (dstep("deploy"), dstep("rollback", if_='status.deploy.phase == "failed"'), dstep("next"))
    script = Script()
    wf = await run(steps, script)
    assert phases(wf) == {"deploy": "succeeded", "rollback": "skipped", "next": "succeeded"}
    assert wf["finished"] and wf["status"] == "succeeded"


async def test_a_step_past_its_timeout_fails_with_reason_timeout():
    steps = (dstep("slow", timeout="1m"), dstep("cleanup", if_="status.slow.timeout"))
    script = Script(slow=DeployOutcome(message="waiting for healthy"))
    wf = await run(steps, script, now=0.0)
    assert phases(wf)["slow"] == "running"
    wf = await run(steps, script, now=59.0, wf=wf)
    assert phases(wf)["slow"] == "running"
    wf = await run(steps, script, now=61.0, wf=wf)
    slow = wf["steps"][0]
    assert (slow["phase"], slow["reason"], slow["message"]) == ("failed", "Timeout", "step slow timed out after 1m")
    assert phases(wf)["cleanup"] == "succeeded" and wf["status"] == "failed"


async def test_a_suspend_waiting_past_its_timeout_fails_and_wakes_the_engine():
    steps = (Step("approve", "suspend", {}, timeout="10m"), dstep("rest"))
    wf = new_workflow(steps, "app-v1", 0.0)
    runner = WorkflowRunner(wf, steps, now=0.0, deploy=Script(), persist=_noop)
    assert await runner.run() == 600.0  # woken when the timeout is due
    assert wf["suspend"]
    await WorkflowRunner(wf, steps, now=600.0, deploy=Script(), persist=_noop).run()
    assert phases(wf) == {"approve": "failed", "rest": "pending"} and wf["steps"][0]["reason"] == "Timeout"
    assert wf["terminated"] and not wf["suspend"]
    # resumed in time, it passes
    wf = new_workflow(steps, "app-v1", 0.0)
    await WorkflowRunner(wf, steps, now=0.0, deploy=Script(), persist=_noop).run()
    wf = resume({"workflow": wf})
    await WorkflowRunner(wf, steps, now=30.0, deploy=Script(), persist=_noop).run()
    assert wf["finished"]


async def test_dag_mode_runs_every_ready_step_and_follows_depends_on():
    steps = (dstep("a"), dstep("b"), dstep("c", depends_on=("a", "b")), dstep("d", depends_on=("c",)))
    script = Script(b=DeployOutcome(message="waiting"))
    wf = await run(steps, script, mode=("DAG", "DAG"))
    assert wf["mode"] == "DAG-DAG"
    assert script.calls == ["a", "b"] and phases(wf) == {"a": "succeeded", "b": "running", "c": "pending",
                                                          "d": "pending"}
    script.outcomes.clear()
    wf = await run(steps, script, mode=("DAG", "DAG"), wf=wf)
    assert script.calls == ["a", "b", "b", "c", "d"] and wf["finished"]


async def test_dag_mode_a_failure_ends_the_workflow_and_skips_dependents():
    steps = (dstep("a"), dstep("b"), dstep("c", depends_on=("a",)))
    script = Script(a=DeployOutcome(failed=True, message="x"), b=DeployOutcome(message="waiting"))
    wf = await run(steps, script, mode=("DAG", "DAG"))
    assert wf["terminated"] and phases(wf) == {"a": "failed", "b": "pending", "c": "pending"}
    # b first this time: it is running when a fails, and is terminated with the workflow
    steps = (dstep("b"), dstep("a"), dstep("c", depends_on=("a",)))
    wf = await run(steps, script, mode=("DAG", "DAG"))
    assert phases(wf) == {"b": "failed", "a": "failed", "c": "pending"}
    assert wf["steps"][0]["reason"] == "Terminate" and wf["message"] == "step a failed: x"


async def test_sub_steps_in_order_when_the_mode_says_step_by_step():
    group = Step("g", "step-group", {}, (dstep("one"), dstep("two")))
    script = Script(one=DeployOutcome(message="waiting"))
    wf = await run((group,), script, mode=("StepByStep", "StepByStep"))
    assert script.calls == ["one"]
    script.outcomes.clear()
    wf = await run((group,), script, mode=("StepByStep", "StepByStep"), wf=wf)
    assert script.calls == ["one", "one", "two"] and wf["finished"]
    # the default (subSteps DAG) starts both at once
    script = Script(one=DeployOutcome(message="waiting"))
    await run((group,), script)
    assert script.calls == ["one", "two"]


def test_validation_names_the_flow_fields():
    d = doc(workflow={"mode": {"steps": "Parallel"}, "steps": [
        {"name": "a", "type": "deploy", "properties": {"policies": ["all"]}, "timeout": "soon",
         "dependsOn": ["nope"]},
        {"name": "b", "type": "deploy", "properties": {"policies": ["all"]}, "if": 'status.zz.phase == "x"'},
        {"name": "c", "type": "deploy", "properties": {"policies": ["all"]}, "if": "status.a.colour"},
    ]})
    fields = {x.split(":")[0] for x in problems(d)}
    assert {"spec.workflow.mode.steps", "spec.workflow.steps[0].timeout", "spec.workflow.steps[0].dependsOn[0]",
            "spec.workflow.steps[1].if", "spec.workflow.steps[2].if"} <= fields
    ok = parse_application(doc(workflow={"mode": {"steps": "DAG"}, "steps": [
        {"name": "a", "type": "deploy", "properties": {"policies": ["all"]}, "timeout": "5m"},
        {"name": "b", "type": "suspend", "dependsOn": ["a"], "if": 'status.a.phase == "succeeded"'}]}))
    assert ok.mode == ("DAG", "DAG") and ok.steps[1].depends_on == ("a",) and ok.steps[0].timeout == "5m"


def test_iso_round_trip_is_what_timeouts_count_from():
    assert iso(0.0) == "1970-01-01T00:00:00Z"
