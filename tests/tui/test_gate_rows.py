"""The rollouts pane shows a check-metrics gate's measurements next to it: the step's
message, as the engine writes it, in the step table."""

from __future__ import annotations

from fleettui.engine.steps.check_metrics import Gate, Measurement, judge, parse_condition
from fleettui.tui.renderers import PLAIN
from fleettui.tui.rollout_renderers import step_rows


def test_a_running_gate_shows_value_condition_and_time_held():
    gate = Gate("q", parse_condition(">=0.95"), duration=60.0, fail_duration=30.0, endpoint=None)
    state: dict = {}
    judge(gate, [Measurement("ack-a", (0.98,))], state, 0.0)
    out = judge(gate, [Measurement("ack-a", (0.98,))], state, 40.0)
    steps = [{"id": "g", "name": "canary", "type": "step-group", "phase": "running", "subSteps": [
        {"id": "c", "name": "gate", "type": "check-metrics", "phase": "running", "message": out.message}]}]
    rows = step_rows(steps, PLAIN)
    assert rows[1][1][1].plain == "check-metrics"
    assert rows[1][1][3].plain == "ack-a: 0.98 (condition >=0.95): held for 40s of 60s"
