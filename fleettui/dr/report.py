"""A what-if and the score as plain records (JSON/YAML) and as text (the CLI's
table output). Marks are always a symbol *and* a word, so NO_COLOR and a
monochrome terminal read the same."""

from __future__ import annotations

from typing import Any

from fleettui.dr.score import FleetScore
from fleettui.dr.traffic import TrafficState
from fleettui.dr.whatif import WhatIf

OK, FAIL = "✔ ok", "✖ FAIL"


def mark(ok: bool) -> str:
    return OK if ok else FAIL


def _traffic(state: TrafficState) -> dict[str, Any]:
    return {"domain": state.domain, "active": list(state.active),
            "pools": [{"name": p.name, "cluster": p.cluster, "target": p.target, "priority": p.priority,
                       "weight": p.weight, "healthy": p.healthy, "reason": p.reason, "share": p.share}
                      for p in state.pools]}


def whatif_record(w: WhatIf) -> dict[str, Any]:
    return {
        "domain": {"kind": w.domain.kind, "name": w.domain.name},
        "clustersDown": list(w.clusters_down),
        "nodesDown": w.nodes_down,
        "tier1Failures": [a.key for a in w.tier1_failures],
        "applications": [{"namespace": a.namespace, "name": a.name, "tier1": a.tier1, "survives": a.survives,
                          "desired": a.desired, "healthyBefore": a.healthy_before, "lost": a.lost,
                          "needed": a.needed, "remaining": a.remaining, "rescheduled": a.rescheduled,
                          "nowhere": a.nowhere, "reason": a.reason} for a in w.apps],
        "services": [{"namespace": s.namespace, "name": s.service, "before": s.before, "after": s.after,
                      "clustersBefore": list(s.clusters_before), "clustersAfter": list(s.clusters_after),
                      "verdict": s.verdict} for s in w.services],
        "alerting": [{"cluster": a.cluster, "prometheus": a.prometheus, "message": a.message} for a in w.alerting],
        "traffic": [{"now": _traffic(b), "after": _traffic(a)} for b, a in zip(w.traffic_before, w.traffic_after,
                                                                              strict=True)],
    }


def _where(counts: dict[str, int]) -> str:
    return ", ".join(f"{c} {n}" for c, n in counts.items()) or "-"


def app_line(a) -> list[str]:
    return [mark(a.survives), a.key, "tier-1" if a.tier1 else "", f"{a.lost}/{a.healthy_before}",
            _where(a.remaining), _where(a.rescheduled), str(a.nowhere) if a.nowhere else "-", a.reason]


APP_HEADERS = ("", "application", "tier", "lost", "remaining", "room for lost", "nowhere", "reason")


def active_text(state: TrafficState) -> str:
    return ", ".join(state.active) or "NONE (no healthy pool)"


def whatif_text(w: WhatIf) -> list[tuple[str, list[str], list[list[str]]]]:
    """Sections as (title, headers, rows) for a table printer."""
    down = ", ".join(w.clusters_down) or "none whole"
    title = f"If {w.domain} fails: clusters down: {down}"
    if w.nodes_down:
        title += f"; nodes lost in clusters that survive: {w.nodes_down}"
    sections = [(title, list(APP_HEADERS), [app_line(a) for a in w.apps])]
    if w.services:
        sections.append(("Services", ["service", "endpoints", "clusters left", "verdict"],
                         [[f"{s.namespace}/{s.service}", f"{s.before} → {s.after}",
                           ", ".join(s.clusters_after) or "-", s.verdict] for s in w.services]))
    if w.alerting:
        sections.append(("Alerting", ["cluster", "what happens"], [[a.cluster, a.message] for a in w.alerting]))
    if w.traffic_before:
        sections.append(("Traffic", ["domain", "active now", "active after"],
                         [[b.domain, active_text(b), active_text(a)]
                          for b, a in zip(w.traffic_before, w.traffic_after, strict=True)]))
    return sections


def score_records(s: FleetScore) -> list[dict[str, Any]]:
    return [{"namespace": a.namespace, "name": a.name, "tier1": a.tier1, "passes": a.passes,
             **{c.kind: {"survives": c.survives, "reason": c.reason} for c in a.cells}} for a in s.apps]


def score_rows(s: FleetScore) -> list[list[str]]:
    return [[a.key, "tier-1" if a.tier1 else "", *(mark(a.cell(k).survives) for k in s.kinds),
             "; ".join(c.reason for c in a.cells if not c.survives) or "survives any one of each"]
            for a in s.apps]


def score_headers(s: FleetScore) -> list[str]:
    return ["application", "tier", *(f"any {k}" for k in s.kinds), "reason"]
