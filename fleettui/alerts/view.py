"""The alert list as a pure value: filtered, grouped, counted, with the sources whose
alerts are unknown — what `fleettui alerts` prints and the alerts pane draws.

Pure over store rows (`AlertRow`, `AlertSource`) and `now`, so the command and the pane
cannot disagree and a fixture test pins it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleettui.alerts.matchers import Filter
from fleettui.store.alerts import ALERTMANAGER, AlertRow, AlertSource

GROUP_BY = ("alertname", "cluster", "severity")
SEVERITY_RANK = {"critical": 0, "error": 1, "warning": 2, "info": 3, "none": 4, "": 5}
STATE_RANK = {"firing": 0, "pending": 1, "inhibited": 2, "silenced": 3}


def age(seconds: float) -> str:
    """kubectl's way: 45s, 3m, 2h, 4d."""
    s = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            return f"{s // size}{unit}"
    return f"{s}s"


def _severity_rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, 4)


@dataclass(frozen=True)
class UnknownSource:
    source: str  # a cluster, or "alertmanager"
    since: float
    error: str

    def line(self, now: float) -> str:
        what = ("silenced/inhibited state unknown" if self.source == "alertmanager"
                else f"{self.source}: alerts unknown")
        return f"{what} since {age(now - self.since)} ago ({self.error})"


@dataclass(frozen=True)
class AlertGroup:
    key: str
    alerts: tuple[AlertRow, ...]


@dataclass(frozen=True)
class AlertView:
    groups: tuple[AlertGroup, ...]
    counts: Mapping[str, int]  # state -> alerts shown
    severities: Mapping[str, int]  # severity -> firing alerts shown
    unknown: tuple[UnknownSource, ...]
    stale_clusters: frozenset[str] = field(default_factory=frozenset)

    @property
    def alerts(self) -> list[AlertRow]:
        return [a for g in self.groups for a in g.alerts]

    def summary(self) -> str:
        """The header's one line: `3 firing (1 critical), 1 pending, 2 silenced; 1 source unknown`."""
        parts = []
        for state in ("firing", "pending", "silenced", "inhibited"):
            n = self.counts.get(state, 0)
            if n or state == "firing":
                extra = ""
                if state == "firing" and self.severities.get("critical"):
                    extra = f" ({self.severities['critical']} critical)"
                parts.append(f"{n} {state}{extra}")
        text = ", ".join(parts)
        if self.unknown:
            text += f"; {len(self.unknown)} source{'s' if len(self.unknown) > 1 else ''} unknown"
        return text


def _selects_cluster(filters: Sequence[Filter], cluster: str) -> bool:
    return all(f.matches({}, cluster=cluster) for f in filters if f.label == "@cluster")


def alert_view(rows: Iterable[AlertRow], sources: Mapping[str, AlertSource], *, filters: Sequence[Filter] = (),
               group_by: str = "alertname", clusters: Iterable[str] | None = None) -> AlertView:
    """`clusters`: the fleet's members, when known; alerts of clusters no longer in it
    are left out (the cache may still hold them)."""
    if group_by not in GROUP_BY:
        raise ValueError(f"group by one of {', '.join(GROUP_BY)}")
    members = set(clusters) if clusters is not None else None
    shown = [r for r in rows
             if (members is None or r.cluster in members)
             and all(f.matches(r.labels, cluster=r.cluster, state=_filter_state(f, r)) for f in filters)]
    shown.sort(key=lambda r: (_severity_rank(r.severity), STATE_RANK.get(r.state, 9), r.alertname, r.cluster,
                              r.fingerprint))
    groups: dict[str, list[AlertRow]] = {}
    for r in shown:
        groups.setdefault(getattr(r, group_by) or "(none)", []).append(r)
    if group_by == "severity":
        order = sorted(groups, key=lambda k: (_severity_rank(k if k != "(none)" else ""), k))
    else:
        order = sorted(groups)
    counts: dict[str, int] = {}
    severities: dict[str, int] = {}
    for r in shown:
        counts[r.state] = counts.get(r.state, 0) + 1
        if r.state == "firing":
            severities[r.severity] = severities.get(r.severity, 0) + 1
    unknown = []
    for name, s in sorted(sources.items()):
        since = s.unknown_since()
        if since is None:
            continue
        if name == ALERTMANAGER:
            unknown.append(UnknownSource("alertmanager", since, s.error or ""))
        elif (members is None or name in members) and _selects_cluster(filters, name):
            unknown.append(UnknownSource(name, since, s.error or ""))
    return AlertView(tuple(AlertGroup(k, tuple(groups[k])) for k in order), counts, severities, tuple(unknown),
                     frozenset(u.source for u in unknown if u.source != "alertmanager"))


def _filter_state(f: Filter, r: AlertRow) -> str:
    # karma's @state=active is every alert the Alertmanager does not suppress
    if f.label == "@state" and f.value == "active" and r.state in ("firing", "pending"):
        return "active"
    return r.state


def _iso(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(r: AlertRow, now: float, *, stale: bool = False) -> dict[str, Any]:
    """One alert for `-o json|yaml` and the table."""
    labels = {k: v for k, v in sorted(r.labels.items()) if k not in ("alertname", "severity")}
    return {"severity": r.severity, "alertname": r.alertname, "cluster": r.cluster, "state": r.state,
            "labels": labels, "since": _iso(r.active_at),
            "age": age(now - r.active_at) if r.active_at is not None else "",
            "value": r.value, "summary": r.summary, "annotations": dict(r.annotations),
            "silenced_by": list(r.silenced_by), "inhibited_by": list(r.inhibited_by),
            "observed_at": _iso(r.observed_at), "stale": stale}
