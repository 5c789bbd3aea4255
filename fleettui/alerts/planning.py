"""Steps 2 and 3 of a rule set's save, for the editor (`fleettui rules apply` runs the same
pieces): per target cluster, against that cluster's own Prometheus, the version
cut-offs, the live checks (`live.live_findings`) and the backtest (`live.preview`), then
the plan rows (`plan.plan`) against what each cluster holds now.

A cluster whose Prometheus does not answer (or that has none in the fleet file) is a row
"unknown: <why>", never a failure of the whole plan: the others' results still show, and
only a real error in a reachable cluster's checks (a rate window shorter than the scrape
interval) stops the distribution.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.alerts import checks, live
from fleettui.alerts.plan import PlanRow, plan
from fleettui.alerts.rulesets import RuleSet, Variant
from fleettui.prom import FleetPrometheus, Target

NO_PROMETHEUS = "no Prometheus in the fleet file (`prometheus:`)"

# (rule set, its variants) -> cluster: the PrometheusRule it holds, None, or why unknown
DeployedFetch = Callable[[RuleSet, Sequence[Variant]], Awaitable[Mapping[str, Any]]]
LivePlanner = Callable[[RuleSet, Sequence[Variant]], Awaitable["LivePlan"]]


@dataclass(frozen=True)
class LivePlan:
    ruleset: RuleSet
    variants: tuple[Variant, ...]
    rows: tuple[PlanRow, ...]
    previews: tuple[live.RulePreview, ...]
    findings: tuple[checks.Finding, ...]
    window: float | None  # None: as far back as each Prometheus has data, up to 24 h

    @property
    def errors(self) -> list[checks.Finding]:
        return [f for f in self.findings if f.level == "error"]


async def live_plan(ruleset: RuleSet, variants: Sequence[Variant], prom: FleetPrometheus, *,
                    deployed: Mapping[str, Any] | None = None, window: float | None = None,
                    now: float | None = None) -> LivePlan:
    reachable = [v.cluster for v in variants if v.cluster in prom.targets]
    facts = await live.server_facts(prom, reachable)
    for v in variants:
        facts.setdefault(v.cluster, live.ServerFacts(error=NO_PROMETHEUS))
    answered = [v for v in variants if not facts[v.cluster].error]
    findings = [checks.Finding("warning", v.cluster, r, m) for v in answered
                for r, m in checks.cutoffs(v.rule, facts[v.cluster].version or (0, 0, 0))
                if facts[v.cluster].version is not None]
    found, previews = await asyncio.gather(live.live_findings(prom, answered, facts),
                                           live.preview(prom, variants, facts, window=window, now=now))
    findings += found
    known = deployed if deployed is not None else {v.cluster: RuntimeError("no cluster access") for v in variants}
    unknown = {v.cluster: str(facts[v.cluster].error) for v in variants if facts[v.cluster].error}
    rows = plan(variants, previews, known, unknown=unknown)
    return LivePlan(ruleset, tuple(variants), tuple(rows), tuple(previews), tuple(findings), window)


def live_planner(prometheus: Mapping[str, str], deployed: DeployedFetch | None = None, *,
                 window: float | None = None, timeout: float = 5.0, concurrency: int = 8) -> LivePlanner:
    """The editor's step 2+3 for a fleet: `prometheus` maps each cluster to its server.
    Every request runs in FleetPrometheus' thread pool (bounded, a timeout each), so the
    caller's event loop (the UI's) never waits on the network."""
    async def run(ruleset: RuleSet, variants: Sequence[Variant]) -> LivePlan:
        prom = FleetPrometheus([Target(c, u.rstrip("/")) for c, u in prometheus.items() if u],
                               timeout=timeout, concurrency=concurrency)
        try:
            held: Mapping[str, Any] | None = None
            if deployed is not None:
                try:
                    held = await deployed(ruleset, variants)
                except Exception as exc:  # no cluster answered at all: every change is unknown, the rest stands
                    held = {v.cluster: exc for v in variants}
            return await live_plan(ruleset, variants, prom, deployed=held, window=window)
        finally:
            prom.close()

    return run
