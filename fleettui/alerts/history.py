"""One alert's rule and its expression over the last hour, from its own cluster's Prometheus:
what the alert screen plots.

An alerting expression returns a series exactly while its condition holds, so the
series of *this* alert (the one whose labels the alert carries) is present where the
condition held and absent elsewhere; where it appears after an absence the expression
crossed its threshold. Everything goes through `FleetPrometheus` (threads, a timeout).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleettui.prom import FleetPrometheus

WINDOW = 3600.0
POINTS = 60  # one a minute: the plot fits an 80-column terminal
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class AlertRule:
    name: str
    expr: str
    group: str
    file: str
    duration: float = 0.0  # `for`, seconds
    labels: Mapping[str, str] = field(default_factory=dict)
    health: str = ""
    last_error: str = ""

    @property
    def source(self) -> str:
        """The rule file's name: prometheus-operator names it `<namespace>-<name>-<uid>.yaml`
        after the PrometheusRule the rule came from."""
        return os.path.basename(self.file)


@dataclass(frozen=True)
class AlertHistory:
    rule: AlertRule | None
    start: float
    end: float
    step: float
    values: tuple[float | None, ...] = ()  # one per step; None: the condition did not hold
    error: str | None = None

    def crossings(self) -> list[int]:
        """Indexes where the condition started to hold."""
        return [i for i, v in enumerate(self.values) if v is not None and (i == 0 or self.values[i - 1] is None)]


def find_rule(groups: Sequence[Mapping[str, Any]], alertname: str,
              alert_labels: Mapping[str, str]) -> AlertRule | None:
    """The alerting rule an alert came from: same name, and every label the rule adds is
    on the alert (two rules may share a name and differ by `severity`)."""
    for g in groups:
        for r in g.get("rules") or []:
            if r.get("type") != "alerting" or r.get("name") != alertname:
                continue
            labels = r.get("labels") or {}
            if all(alert_labels.get(k) == v for k, v in labels.items()):
                return AlertRule(alertname, r.get("query", ""), g.get("name", ""), g.get("file", ""),
                                 float(r.get("duration") or 0), labels, r.get("health", ""),
                                 r.get("lastError", ""))
    return None


def series_of(matrix: Sequence[Mapping[str, Any]], alert_labels: Mapping[str, str]) -> Mapping[str, Any] | None:
    """The series whose labels the alert carries (the rule's own labels come on top of them)."""
    for s in matrix:
        metric = s.get("metric") or {}
        if all(alert_labels.get(k) == v for k, v in metric.items() if k != "__name__"):
            return s
    return None


def sample(series: Mapping[str, Any] | None, start: float, step: float, points: int) -> tuple[float | None, ...]:
    out: list[float | None] = [None] * points
    for t, v in (series or {}).get("values") or []:
        i = round((float(t) - start) / step)
        if 0 <= i < points:
            try:
                out[i] = float(v)
            except ValueError:
                continue
    return tuple(out)


def sparkline(values: Sequence[float | None]) -> str:
    """A bar per step scaled between the lowest and highest value; a blank step is ' '."""
    present = [v for v in values if v is not None]
    if not present:
        return " " * len(values)
    low, high = min(present), max(present)
    span = high - low
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(SPARKS[-1] if span == 0 else SPARKS[min(len(SPARKS) - 1, int((v - low) / span * len(SPARKS)))])
    return "".join(out)


async def alert_history(prom: FleetPrometheus, cluster: str, alertname: str, labels: Mapping[str, str], *,
                        end: float, window: float = WINDOW, points: int = POINTS) -> AlertHistory:
    step = window / points
    start = end - window + step
    rules = (await prom.get("/api/v1/rules", {"type": "alert"}, clusters=[cluster])).answers[cluster]
    if not rules.ok:
        return AlertHistory(None, start, end, step, error=f"{cluster}'s Prometheus: {rules.error}")
    rule = find_rule((rules.result or {}).get("groups") or [], alertname, labels)
    if rule is None:
        return AlertHistory(None, start, end, step,
                            error=f"{cluster}'s Prometheus has no alerting rule {alertname} any more")
    answer = (await prom.query_range(rule.expr, datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC),
                                     step, clusters=[cluster])).answers[cluster]
    if not answer.ok:
        return AlertHistory(rule, start, end, step, error=f"{cluster}'s Prometheus: {answer.error}")
    return AlertHistory(rule, start, end, step, sample(series_of(answer.result or [], labels), start, step, points))
