"""Live checks of each variant against its own cluster's Prometheus (pint's idea, per variant).

Everything goes through `fleettui.prom.FleetPrometheus` (threads, a bound, a timeout
each): a Prometheus that does not answer is a finding on its cluster, never a crash
and never a reason to hide the others' results.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from fleettui.alerts import backtest as bt
from fleettui.alerts.checks import Finding, parse_version, rule_label
from fleettui.alerts.promql import RATE_FUNCTIONS, Selector, duration_seconds, selectors
from fleettui.alerts.rulesets import Variant
from fleettui.prom import FleetPrometheus

MAX_WINDOW = 24 * 3600.0
MAX_POINTS = 10_000  # Prometheus refuses more than 11,000 points per series


@dataclass(frozen=True)
class ServerFacts:
    """What the checks need to know about one cluster's Prometheus."""

    version: tuple[int, int, int] | None = None
    scrape_interval: float | None = None
    evaluation_interval: float = 60.0
    oldest: float | None = None  # epoch of the oldest sample in its head block
    error: str | None = None


@dataclass
class RulePreview:
    """One alerting rule of one cluster's variant, backtested."""

    cluster: str
    variant: str
    rule: str
    count: int = 0
    firing_now: int = 0
    pending_now: int = 0
    sparkline: str = ""
    fired: list[tuple[float, float | None, dict[str, str]]] = field(default_factory=list)
    start: float = 0.0
    end: float = 0.0
    error: str | None = None

    def record(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "variant": self.variant, "rule": self.rule,
                "would_fire": self.count if self.error is None else None, "firing_now": self.firing_now,
                "pending_now": self.pending_now, "sparkline": self.sparkline, "error": self.error,
                "window": {"start": _iso(self.start), "end": _iso(self.end)},
                "fired": [{"at": _iso(a), "resolved": _iso(b) if b is not None else None, "labels": labels}
                          for a, b, labels in self.fired]}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def server_facts(prom: FleetPrometheus, clusters: Iterable[str]) -> dict[str, ServerFacts]:
    clusters = list(clusters)
    build, config, tsdb = await asyncio.gather(
        prom.get("/api/v1/status/buildinfo", clusters=clusters),
        prom.get("/api/v1/status/config", clusters=clusters),
        prom.get("/api/v1/status/tsdb", clusters=clusters))
    out = {}
    for c in clusters:
        a = build.answers[c]
        if not a.ok:
            out[c] = ServerFacts(error=a.error)
            continue
        version = parse_version(str((a.result or {}).get("version", "")))
        scrape = evaluation = None
        conf = config.answers[c]
        if conf.ok:
            try:
                glob = (yaml.safe_load((conf.result or {}).get("yaml") or "") or {}).get("global") or {}
                scrape = duration_seconds(str(glob.get("scrape_interval", "1m")))
                evaluation = duration_seconds(str(glob.get("evaluation_interval", "1m")))
            except (yaml.YAMLError, ValueError, AttributeError):
                pass
        oldest = None
        if tsdb.answers[c].ok:
            ms = ((tsdb.answers[c].result or {}).get("headStats") or {}).get("minTime")
            oldest = ms / 1000.0 if isinstance(ms, int | float) and ms > 0 else None
        out[c] = ServerFacts(version, scrape, evaluation or 60.0, oldest)
    return out


def _alerting(variant: Variant) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    out = []
    for group in (variant.rule.get("spec") or {}).get("groups") or []:
        for ri, r in enumerate(group.get("rules") or []):
            if isinstance(r, dict) and r.get("expr") is not None:
                out.append((group, rule_label(group, ri, r), r))
    return out


async def _count(prom: FleetPrometheus, promql: str, cluster: str) -> int | None:
    ans = (await prom.query(f"count({promql})", clusters=[cluster])).answers[cluster]
    if not ans.ok:
        return None
    return int(float(ans.result[0]["value"][1])) if ans.result else 0


async def why_no_series(prom: FleetPrometheus, sel: Selector, cluster: str) -> str | None:
    """None when the selector matches series; else why not, in pint's three words:
    metric unknown, label missing, value unmatched."""
    found = await _count(prom, sel.promql(), cluster)
    if found is None or found > 0:
        return None  # unanswered: reported once per cluster elsewhere
    if sel.metric and not await _count(prom, f'{{__name__="{sel.metric}"}}', cluster):
        return f"metric unknown: no series named {sel.metric}"
    base = sel.metric or ""
    for m in sel.matchers:
        if m.label == "__name__" or (m.op in ("=", "=~") and m.value in ("", ".*")):
            continue
        if m.op in ("=", "=~") and not await _count(prom, f'{base}{{{m.label}!=""}}', cluster):
            return f"label missing: no {base or 'series'} has a label {m.label}"
        one = Selector(sel.metric, (m,))
        if not await _count(prom, one.promql(), cluster):
            params = {"match[]": base} if base else {}
            values = (await prom.get(f"/api/v1/label/{m.label}/values", params, clusters=[cluster])).answers[cluster]
            seen = ", ".join(values.result[:5]) if values.ok and values.result else "none"
            return f'value unmatched: no {base or "series"} with {m.label}{m.op}"{m.value}" (values: {seen})'
    return "the matchers together match no series (each matches some on its own)"


async def live_findings(prom: FleetPrometheus, variants: Sequence[Variant],
                        facts: dict[str, ServerFacts]) -> list[Finding]:
    findings: list[Finding] = []
    jobs = []
    for v in variants:
        f = facts.get(v.cluster)
        if f is None or f.error:
            findings.append(Finding("error", v.cluster, "", f"Prometheus unreachable: {f.error if f else 'none'}"))
            continue
        for _, label, r in _alerting(v):
            try:
                sels = selectors(str(r["expr"]))
            except ValueError:
                continue  # promtool says why
            for sel in sels:
                if sel.range is not None and sel.function in RATE_FUNCTIONS and f.scrape_interval:
                    if sel.range < 2 * f.scrape_interval:
                        findings.append(Finding(
                            "error" if sel.range < f.scrape_interval else "warning", v.cluster, label,
                            f"{sel.function}() over [{sel.range:g}s] with a scrape interval of "
                            f"{f.scrape_interval:g}s: it needs two samples in its window "
                            f"(use at least [{2 * f.scrape_interval:g}s], better 4x)"))
                jobs.append((v.cluster, label, sel))

    async def one(cluster: str, label: str, sel: Selector) -> Finding | None:
        why = await why_no_series(prom, sel, cluster)
        return Finding("warning", cluster, label, f"{sel.text}: {why}") if why else None

    seen: set[tuple[str, str]] = set()
    unique = []
    for j in jobs:
        if (j[0], j[2].text) not in seen:
            seen.add((j[0], j[2].text))
            unique.append(j)
    findings += [f for f in await asyncio.gather(*(one(*j) for j in unique)) if f is not None]
    return findings


async def preview(prom: FleetPrometheus, variants: Sequence[Variant], facts: dict[str, ServerFacts], *,
                  window: float | None = None, now: float | None = None) -> list[RulePreview]:
    """Backtest every alerting rule of every variant over `window` (default: as far back as
    that Prometheus has data, up to 24 h), at its group's evaluation interval."""
    end = time.time() if now is None else now
    rows: list[RulePreview] = []
    groups: dict[tuple[str, float, float, float, float, float], list[RulePreview]] = {}
    for v in variants:
        f = facts.get(v.cluster) or ServerFacts(error="no Prometheus")
        for group, label, r in _alerting(v):
            if not r.get("alert"):
                continue
            row = RulePreview(v.cluster, v.label, label, end=end)
            rows.append(row)
            if f.error:
                row.error = f"Prometheus unreachable: {f.error}"
                continue
            span = window if window is not None else min(MAX_WINDOW, end - (f.oldest or end - MAX_WINDOW))
            start = end - max(span, 0.0)
            every = _duration(group.get("interval")) or f.evaluation_interval
            step = max(every, (end - start) / MAX_POINTS)
            key = (str(r["expr"]), start, step, _duration(r.get("for")) or 0.0,
                   _duration(r.get("keep_firing_for")) or 0.0, float(v.cluster.__hash__()))
            row.start = start
            groups.setdefault(key, []).append(row)

    async def one(key: tuple[str, float, float, float, float, float], members: list[RulePreview]) -> None:
        expr, start, step, for_s, keep_s, _ = key
        # align to the step so every cluster's samples land on the same grid
        start = start - start % step
        ans = await prom.query_range(expr, datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC),
                                     step, clusters=[members[0].cluster])
        a = ans.answers[members[0].cluster]
        for row in members:
            if not a.ok:
                row.error = a.error
                continue
            res = bt.run(a.result or [], start=start, end=end, step=step, for_s=for_s, keep_firing_for_s=keep_s)
            row.start, row.count, row.firing_now, row.pending_now = start, res.count, res.firing_now, res.pending_now
            row.sparkline = res.sparkline
            row.fired = [(e.fired_at, e.resolved_at, dict(e.labels)) for e in res.episodes]

    await asyncio.gather(*(one(k, m) for k, m in groups.items()))
    return rows


def _duration(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return duration_seconds(str(value))
    except ValueError:
        return None
