"""An ad-hoc PromQL query on every cluster's Prometheus, merged with a `cluster` column:
what the dashboard's prompt runs (the TUI goes through here rather than holding a
`FleetPrometheus` of its own, so the prompt and `fleettui metrics query` ask alike)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleettui.metrics.top import merged
from fleettui.prom import FleetPrometheus, Target


@dataclass(frozen=True)
class QueryResult:
    promql: str
    records: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # cluster -> why it gave no answer
    bad_query: str | None = None  # Prometheus' own parser message
    range_seconds: float | None = None


async def run(targets: Sequence[Target], promql: str, *, range_seconds: float | None = None,
              step: float = 60.0, per_server_timeout: float = 5.0, now: float | None = None) -> QueryResult:
    """One query (instant, or over the last `range_seconds`) on every target, in parallel,
    each with its timeout; the clusters that did not answer are named with why."""
    fleet = FleetPrometheus(targets, timeout=per_server_timeout)
    try:
        if range_seconds:
            end = datetime.fromtimestamp(now, UTC) if now is not None else datetime.now(UTC)
            start = datetime.fromtimestamp(end.timestamp() - range_seconds, UTC)
            answer = await fleet.query_range(promql, start, end, step)
        else:
            answer = await fleet.query(promql)
    finally:
        fleet.close()
    if answer.bad_query:
        return QueryResult(promql, bad_query=answer.bad_query, range_seconds=range_seconds)
    missing = {c: answer.answers[c].error or "no answer" for c in answer.missing}
    return QueryResult(promql, merged(answer), missing, range_seconds=range_seconds)
