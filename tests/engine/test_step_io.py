"""Step inputs and outputs: a value one step produces goes into a later step's properties."""

from __future__ import annotations

import pytest

from engine.conftest import settle
from engine.test_model import problems
from engine.test_workflow_sim import web_app
from fleettui.engine import stepio
from fleettui.engine.model import Step
from fleettui.engine.workflow import DeployOutcome, WorkflowRunner, new_workflow


def test_paths_and_literals():
    out = {"value": {"status": {"conditions": [{"message": "ok"}]}, "data": {"a.b": "1"}}}
    st = {"phase": "succeeded", "message": "done"}
    assert stepio.value_from("output.value.status.conditions[0].message", output=out, status=st) == "ok"
    assert stepio.value_from('output.value.data["a.b"]', output=out, status=st) == "1"
    assert stepio.value_from("status.message", output=out, status=st) == "done"
    assert stepio.value_from('"fixed"', output=out, status=st) == "fixed"
    assert stepio.value_from("output.value.nope[3]", output=out, status=st) is None
    assert stepio.check_value_from("context.name") and stepio.check_value_from("output..x")
    assert stepio.check_value_from("output.value.x") is None


async def _noop() -> None:
    return None


async def test_an_output_feeds_a_later_steps_property():
    seen: list[dict] = []

    async def run_step(step: Step, st: dict) -> DeployOutcome:
        seen.append(step.properties)
        if step.name == "make":
            return DeployOutcome(done=True, output={"metadata": {"name": "cm-1"}}, message="made")
        return DeployOutcome(done=True)

    steps = (Step("make", "apply-object", {}, outputs=({"name": "made", "valueFrom": "output.value.metadata.name"},
                                                        {"name": "said", "valueFrom": "status.message"})),
             Step("say", "print-message-in-status", {"message": "x"},
                  inputs=({"from": "made", "parameterKey": "message"}, {"from": "said", "parameterKey": "a.b"})))
    wf = new_workflow(steps, "v1", 0.0)
    await WorkflowRunner(wf, steps, now=0.0, deploy=None, persist=_noop, run_step=run_step).run()  # type: ignore[arg-type]
    assert seen[1] == {"message": "cm-1", "a": {"b": "made"}}
    assert wf["outputs"] == {"made": "cm-1", "said": "made"} and wf["finished"]


async def test_an_input_nobody_produced_fails_the_step_naming_it():
    async def run_step(step: Step, st: dict) -> DeployOutcome:
        return DeployOutcome(done=True)

    steps = (Step("say", "print-message-in-status", {}, inputs=({"from": "ghost", "parameterKey": "message"},)),)
    wf = new_workflow(steps, "v1", 0.0)
    await WorkflowRunner(wf, steps, now=0.0, deploy=None, persist=_noop, run_step=run_step).run()  # type: ignore[arg-type]
    assert wf["steps"][0]["phase"] == "failed"
    assert wf["steps"][0]["message"] == "input 'ghost' has no value: no earlier step produced it"


async def test_apply_object_output_into_print_message_on_the_simulator(hub, sim):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
          "data": {"greeting": "hello from the cluster"}}
    await hub.apply(web_app(steps=[
        {"name": "settings", "type": "apply-object", "properties": {"value": cm, "cluster": "idc-beijing"},
         "outputs": [{"name": "greeting", "valueFrom": "output.value.data.greeting"}]},
        {"name": "show", "type": "print-message-in-status",
         "inputs": [{"from": "greeting", "parameterKey": "message"}]},
    ]))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    steps = (await hub.get("shop", "web"))["status"]["workflow"]["steps"]
    assert steps[1]["message"] == "hello from the cluster"


@pytest.mark.parametrize(("step", "field"), [
    ({"outputs": [{"name": "x", "valueFrom": "context.appName"}]}, "outputs[0].valueFrom"),
    ({"outputs": [{"name": "x"}]}, "outputs[0].valueFrom"),
    ({"inputs": [{"from": "nobody", "parameterKey": "message"}]}, "inputs[0].from"),
    ({"inputs": [{"from": "x"}]}, "inputs[0].parameterKey"),
])
def test_io_validation_names_the_field(step, field):
    d = web_app(steps=[{"name": "s", "type": "print-message-in-status", "properties": {"message": "m"}, **step}])
    fields = {x.split(":")[0] for x in problems(d)}
    assert f"spec.workflow.steps[0].{field}" in fields, fields
