"""The `check-metrics` step: a canary gate that decides by itself.

KubeVela's definition (workflowstep/check-metrics) asks one Prometheus for `query` and
compares the value with `condition` (">=0.95"): the step succeeds once the condition
has held for `duration` without a break (default 5m) and fails the workflow (`op.#Fail`)
once it has failed for `failDuration` without a break (default 2m). Here, without a
`metricEndpoint`, the query goes to the Prometheus of every cluster the application is
placed on so far — the canary clusters — and holds only when it holds on each of them.

The timers live in the step's status entry, on the engine clock, so a restarted engine
keeps counting and the rollouts pane reads the measurements from the step's message.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fleettui.engine.durations import parse_duration
from fleettui.engine.workflow import DeployOutcome
from fleettui.prom import FleetAnswer

DEFAULT_DURATION = "5m"
DEFAULT_FAIL_DURATION = "2m"
STATE_KEY = "checkMetrics"  # in the step's status entry

_CONDITION = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt}


@dataclass(frozen=True)
class Condition:
    op: str
    threshold: float

    def __call__(self, value: float) -> bool:
        return _OPS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.op}{self.threshold:g}"


def parse_condition(text: Any) -> Condition:
    """">=0.95" → Condition; ValueError naming what is accepted."""
    m = _CONDITION.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"condition {text!r} must be an operator (>=, >, <=, <, ==, !=) and a number, "
                         "e.g. '>=0.95'")
    return Condition(m.group(1), float(m.group(2)))


@dataclass(frozen=True)
class Measurement:
    """One cluster's answer: the values of the query's series, or why there are none."""

    cluster: str
    values: tuple[float, ...] = ()
    error: str | None = None

    def held(self, cond: Condition) -> bool:
        # no data is not a pass: a canary whose series never appear must not go through
        return self.error is None and bool(self.values) and all(
            not math.isnan(v) and cond(v) for v in self.values)

    def text(self) -> str:
        if self.error is not None:
            return f"{self.cluster}: {self.error}"
        if not self.values:
            return f"{self.cluster}: no data"
        shown = ", ".join(f"{v:g}" for v in self.values[:3]) + (" …" if len(self.values) > 3 else "")
        return f"{self.cluster}: {shown}"


def measurements(answer: FleetAnswer) -> list[Measurement]:
    """An instant query's answer per cluster: a vector's sample values or a scalar's."""
    out = []
    for name in sorted(answer.answers):
        a = answer.answers[name]
        if not a.ok:
            out.append(Measurement(name, error=a.error))
            continue
        result = a.result
        if isinstance(result, list) and len(result) == 2 and not isinstance(result[0], dict):
            result = [{"value": result}]  # a scalar: [time, "value"]
        values = []
        for s in result or []:
            try:
                values.append(float(s["value"][1]))
            except (KeyError, IndexError, TypeError, ValueError):
                continue
        out.append(Measurement(name, tuple(values)))
    return out


@dataclass(frozen=True)
class Gate:
    """The step's parameters, defaults applied."""

    query: str
    condition: Condition
    duration: float
    fail_duration: float
    endpoint: str | None

    @classmethod
    def from_properties(cls, props: Mapping[str, Any]) -> Gate:
        return cls(str(props["query"]), parse_condition(props.get("condition")),
                   parse_duration(props.get("duration") or DEFAULT_DURATION),
                   parse_duration(props.get("failDuration") or DEFAULT_FAIL_DURATION),
                   props.get("metricEndpoint") or None)


def _secs(x: float) -> str:
    return f"{x:.0f}s"


def judge(gate: Gate, found: list[Measurement], state: dict[str, Any], now: float) -> DeployOutcome:
    """Advance the gate's timers (`state`, kept in the step status) by one measurement and
    say what the step does: succeed, fail the workflow, or keep measuring."""
    held = bool(found) and all(m.held(gate.condition) for m in found)
    if held:
        state.pop("failingSince", None)
        state.setdefault("heldSince", now)
        run, need, word = now - state["heldSince"], gate.duration, "held"
    else:
        state.pop("heldSince", None)
        state.setdefault("failingSince", now)
        run, need, word = now - state["failingSince"], gate.fail_duration, "failing"
    state["lastValues"] = {m.cluster: list(m.values) for m in found}
    measured = "; ".join(m.text() for m in found) or "no cluster to measure (nothing placed yet)"
    message = (f"{measured} (condition {gate.condition}): {word} for {_secs(run)}"
               f" of {_secs(need)}")
    if held and run >= gate.duration:
        return DeployOutcome(done=True, message=message)
    if not held and run >= gate.fail_duration:
        return DeployOutcome(failed=True, terminate=True, reason="CheckMetricsFailed",
                             message=f"{message}: the canary failed its metrics")
    return DeployOutcome(message=message)
