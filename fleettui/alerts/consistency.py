"""Defined vs deployed vs loaded: one cell per rule set × cluster (section 4 of the issue).

Pure over what was observed (the cluster's PrometheusRule, its Events, that
Prometheus' `/api/v1/rules` and alerts, the Alertmanager's alerts), so the
`rules status` command and the matrix pane say the same and a fixture test pins
every state. Gathering those facts is `fleettui.alerts.status`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from fleettui.alerts.rulesets import Variant, rule_names
from fleettui.engine.render import override_diff

REASON_INVALID = "InvalidConfiguration"  # prometheus-operator's Warning reasons
REASON_DROPPED = "UnsupportedField"
WATCHDOG = "Watchdog"

IN_SYNC = "in sync"
DRIFTED = "drifted"
MISSING = "missing"
REJECTED = "rejected"
DROPPED = "dropped field"
NOT_LOADED = "not loaded"
LOAD_ERRORS = "loaded with errors"
UNREACHABLE = "prometheus unreachable"
PIPELINE_BROKEN = "alert pipeline broken"
UNKNOWN = "unknown"
NOT_PLACED = "not placed"

# the cell shows its worst state; the others stay in `problems`
PRECEDENCE = (UNKNOWN, MISSING, REJECTED, DRIFTED, UNREACHABLE, NOT_LOADED, LOAD_ERRORS, PIPELINE_BROKEN,
              DROPPED, NOT_PLACED, IN_SYNC)


@dataclass(frozen=True)
class ClusterFacts:
    """What one cluster showed for one rule set's PrometheusRule."""

    live: dict[str, Any] | None | BaseException  # the object there (None: absent; exception: unknown)
    events: Sequence[Mapping[str, Any]] = ()  # Events whose involvedObject is that object
    rule_groups: Sequence[Mapping[str, Any]] | None = None  # /api/v1/rules groups (None with prom_error)
    prom_error: str | None = None
    firing: Collection[str] | None = None  # alert names firing on that Prometheus
    alertmanager: Collection[str] | None = None  # alert names the Alertmanager holds for the cluster


@dataclass(frozen=True)
class Cell:
    ruleset: str
    cluster: str
    state: str
    variant: str  # base | the override policies | "-" when not placed
    problems: tuple[tuple[str, str], ...] = ()  # (state, sentence), worst first
    diff: tuple[tuple[str, Any, Any], ...] = ()  # (path, live, variant) when drifted
    expected: dict[str, Any] | None = None  # the variant's PrometheusRule
    live: dict[str, Any] | None = None

    @property
    def detail(self) -> str:
        return "; ".join(text for _, text in self.problems)

    def record(self) -> dict[str, Any]:
        return {"ruleset": self.ruleset, "cluster": self.cluster, "state": self.state, "variant": self.variant,
                "detail": self.detail, "problems": [{"state": s, "message": m} for s, m in self.problems],
                "diff": [{"path": p, "live": a, "variant": b} for p, a, b in self.diff]}


def _current(events: Sequence[Mapping[str, Any]], live: Mapping[str, Any], reason: str) -> list[str]:
    """Messages of `reason` events about this very object: its uid, and its resourceVersion
    when the event names one (an older version's rejection is history, not state)."""
    meta = live.get("metadata") or {}
    out: list[str] = []
    for ev in sorted(events, key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or "")):
        inv = ev.get("involvedObject") or {}
        if ev.get("reason") != reason or (inv.get("uid") and inv.get("uid") != meta.get("uid")):
            continue
        if inv.get("resourceVersion") and inv.get("resourceVersion") != meta.get("resourceVersion"):
            continue
        msg = str(ev.get("message") or "")
        if msg not in out:
            out.append(msg)
    return out


def loaded_groups(groups: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rule groups Prometheus loaded from this object's file: prometheus-operator
    names it `<namespace>-<name>-<uid>.yaml` (the uid, so `a-b` + `c` and `a` + `b-c`
    never collide)."""
    filename = f"{meta.get('namespace') or ''}-{meta.get('name') or ''}-{meta.get('uid') or ''}.yaml"
    return [g for g in groups if PurePosixPath(str(g.get("file") or "")).name == filename]


def cell(ruleset: str, cluster: str, variant: Variant | None, facts: ClusterFacts) -> Cell:
    if variant is None:
        return Cell(ruleset, cluster, NOT_PLACED, "-", ((NOT_PLACED, "the rule set does not place this cluster"),))
    problems: list[tuple[str, str]] = []
    live = facts.live
    diff: list[tuple[str, Any, Any]] = []
    if isinstance(live, BaseException):
        problems.append((UNKNOWN, f"cannot read the PrometheusRule: {live}"))
        live = None
    elif live is None:
        problems.append((MISSING, "the cluster holds no PrometheusRule of this set"))
    else:
        diff = override_diff(live.get("spec") or {}, variant.rule.get("spec") or {})
        if diff:
            paths = ", ".join(p for p, _, _ in diff[:3]) + (f" (+{len(diff) - 3})" if len(diff) > 3 else "")
            problems.append((DRIFTED, f"differs from its variant at {paths}"))
        for msg in _current(facts.events, live, REASON_INVALID):
            problems.append((REJECTED, f"rejected by the operator: {msg}"))
        for msg in _current(facts.events, live, REASON_DROPPED):
            problems.append((DROPPED, msg))
    if live is not None:
        problems += _loaded_problems(variant, live, facts, rejected=any(s == REJECTED for s, _ in problems))
    problems.sort(key=lambda p: PRECEDENCE.index(p[0]))
    state = problems[0][0] if problems else IN_SYNC
    return Cell(ruleset, cluster, state, variant.label, tuple(problems), tuple(diff), variant.rule,
                live if isinstance(live, dict) else None)


def _loaded_problems(variant: Variant, live: Mapping[str, Any], facts: ClusterFacts, *,
                     rejected: bool) -> list[tuple[str, str]]:
    if facts.prom_error is not None or facts.rule_groups is None:
        return [(UNREACHABLE, f"its Prometheus: {facts.prom_error or 'not configured'}")]
    groups = loaded_groups(facts.rule_groups, live.get("metadata") or {})
    if not groups:
        return [] if rejected else [(NOT_LOADED, "absent from its Prometheus' /api/v1/rules")]
    out: list[tuple[str, str]] = []
    loaded = {str(r.get("name")): r for g in groups for r in g.get("rules") or []}
    wanted = [n for n in rule_names(dict(live)) if n]
    missing = [n for n in wanted if n not in loaded]
    if missing:
        out.append((NOT_LOADED, f"rules not loaded: {', '.join(missing)}"))
    for name, r in loaded.items():
        if r.get("health") not in (None, "ok") or r.get("lastError"):
            out.append((LOAD_ERRORS, f"{name}: {r.get('health')}: {r.get('lastError') or 'no error text'}"))
    if WATCHDOG in rule_names(variant.rule) and WATCHDOG in loaded:
        if facts.firing is not None and WATCHDOG not in facts.firing:
            out.append((PIPELINE_BROKEN, "Watchdog is not firing on its Prometheus"))
        elif facts.alertmanager is not None and WATCHDOG not in facts.alertmanager:
            out.append((PIPELINE_BROKEN, "the Alertmanager has not received this cluster's Watchdog"))
    return out


@dataclass(frozen=True)
class Matrix:
    rulesets: tuple[str, ...]
    clusters: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell] = field(default_factory=dict)

    def row(self, ruleset: str) -> list[Cell | None]:
        return [self.cells.get((ruleset, c)) for c in self.clusters]

    @property
    def ok(self) -> bool:
        return all(c.state in (IN_SYNC, NOT_PLACED) for c in self.cells.values())


def matrix(cells: Sequence[Cell]) -> Matrix:
    rulesets = tuple(dict.fromkeys(c.ruleset for c in cells))
    clusters = tuple(dict.fromkeys(c.cluster for c in cells))
    return Matrix(rulesets, clusters, {(c.ruleset, c.cluster): c for c in cells})
