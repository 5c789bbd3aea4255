"""The plan shown before a rule set ships: clusters × variant, would-fire counts and what
changes against what each cluster holds now. Pure, so the CLI and a pane render the same."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.alerts.live import RulePreview
from fleettui.alerts.rulesets import Variant
from fleettui.engine.render import override_diff


@dataclass(frozen=True)
class PlanRow:
    cluster: str
    variant: str
    rules: int
    would_fire: int | None  # None: no preview (Prometheus unreachable or not asked)
    firing_now: int | None
    change: str  # new | unchanged | changed: <fields> | unknown: <why>
    sparkline: str = ""  # when any of its rules would have fired over the window
    unknown: str = ""  # why there is no backtest (its Prometheus did not answer)

    def record(self) -> dict[str, Any]:
        return {"cluster": self.cluster, "variant": self.variant, "rules": self.rules,
                "would_fire": "-" if self.would_fire is None else self.would_fire,
                "firing_now": "-" if self.firing_now is None else self.firing_now, "change": self.change,
                "sparkline": self.sparkline, "unknown": self.unknown}


def change(variant: Variant, deployed: dict[str, Any] | None | BaseException) -> str:
    if isinstance(deployed, BaseException):
        return f"unknown: {deployed}"
    if deployed is None:
        return "new"
    diffs = override_diff(deployed.get("spec") or {}, variant.rule.get("spec") or {})
    if not diffs:
        return "unchanged"
    fields = ", ".join(p for p, _, _ in diffs[:3]) + (f" (+{len(diffs) - 3})" if len(diffs) > 3 else "")
    return f"changed: {fields}"


def plan(variants: Sequence[Variant], previews: Sequence[RulePreview],
         deployed: Mapping[str, dict[str, Any] | None | BaseException], *,
         unknown: Mapping[str, str] | None = None) -> list[PlanRow]:
    """`unknown`: cluster -> why its Prometheus gave no facts (a row even without an alerting rule)."""
    by_cluster: dict[str, list[RulePreview]] = {}
    for p in previews:
        by_cluster.setdefault(p.cluster, []).append(p)
    rows = []
    for v in variants:
        ps = by_cluster.get(v.cluster) or []
        errors = [p.error for p in ps if p.error is not None]
        why = (unknown or {}).get(v.cluster) or (errors[0] if errors else "")
        ok = not why
        n = sum(len(g.get("rules") or []) for g in (v.rule.get("spec") or {}).get("groups") or [])
        rows.append(PlanRow(v.cluster, v.label, n, sum(p.count for p in ps) if ok else None,
                            sum(p.firing_now for p in ps) if ok else None,
                            change(v, deployed.get(v.cluster, RuntimeError("not asked"))),
                            merged_sparkline([p.sparkline for p in ps]) if ok else "", why))
    return rows


def merged_sparkline(lines: Sequence[str]) -> str:
    """One line for a cluster's rules: each slice the highest of its rules' marks (each
    line is scaled to its own rule's peak, so this says when, not how many)."""
    from fleettui.alerts.backtest import SPARKS

    lines = [s for s in lines if s]
    if not lines:
        return ""
    out = []
    for i in range(max(len(s) for s in lines)):
        marks = [s[i] for s in lines if i < len(s) and s[i] in SPARKS]
        out.append(max(marks, key=SPARKS.index) if marks else "·")
    return "".join(out)
