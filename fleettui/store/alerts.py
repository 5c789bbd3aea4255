"""Alert state in the cache (migration 0004): what each cluster's Prometheus and the
fleet's Alertmanager last said, and when each source was last heard from.

`AlertRow` is the value both ways: the refresher (`fleettui.alerts.sync`) hands rows to
`store.writer.put_alerts()`, the list and the pane read them back with `AlertStore`.
The source rows are why one dead Prometheus never blanks the others: its alerts stay,
marked with the age of the last fetch that worked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fleettui.store.store import Store

ALERTMANAGER = "@alertmanager"  # the alert_sources row of the fleet's Alertmanager
TOPIC = "alerts"
STATES = ("firing", "pending", "silenced", "inhibited")


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable key for one alert of one cluster: its labels, sorted, without `cluster`
    (the Alertmanager sees the external label, Prometheus' own API does not)."""
    body = json.dumps({k: v for k, v in sorted(labels.items()) if k != "cluster"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AlertRow:
    cluster: str
    alertname: str
    state: str  # firing | pending | silenced | inhibited
    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    active_at: float | None = None
    value: str | None = None
    silenced_by: tuple[str, ...] = ()
    inhibited_by: tuple[str, ...] = ()
    observed_at: float = 0.0

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.labels)

    @property
    def key(self) -> tuple[str, str]:
        return (self.cluster, self.fingerprint)

    @property
    def summary(self) -> str:
        return self.annotations.get("summary") or self.annotations.get("description") or ""

    def params(self, at: float) -> tuple[Any, ...]:
        return (self.cluster, self.fingerprint, self.alertname, self.severity, self.state,
                json.dumps(dict(self.labels), sort_keys=True), json.dumps(dict(self.annotations), sort_keys=True),
                self.active_at, self.value, json.dumps(list(self.silenced_by)),
                json.dumps(list(self.inhibited_by)), at)


@dataclass(frozen=True)
class AlertSource:
    """One source's fetch state: a cluster's Prometheus, or `@alertmanager`."""

    source: str
    fetched_at: float | None  # last fetch that worked
    attempted_at: float
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unknown_since(self) -> float | None:
        """When its alerts stopped being known (None: they are current)."""
        if self.error is None:
            return None
        return self.fetched_at if self.fetched_at is not None else self.attempted_at


_ALERT_COLUMNS = ("cluster, alertname, state, labels, annotations, active_at, value, silenced_by, "
                  "inhibited_by, observed_at")


def _row(r: tuple) -> AlertRow:
    return AlertRow(cluster=r[0], alertname=r[1], state=r[2], labels=json.loads(r[3]),
                    annotations=json.loads(r[4]), active_at=r[5], value=r[6],
                    silenced_by=tuple(json.loads(r[7])), inhibited_by=tuple(json.loads(r[8])), observed_at=r[9])


class AlertStore:
    """The named reads of the alert tables (raw SQL stays in the store)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def alerts(self, cluster: str | None = None) -> list[AlertRow]:
        if cluster is None:
            rows = await self.store._fetchall(
                f"SELECT {_ALERT_COLUMNS} FROM alerts ORDER BY alertname, cluster, fingerprint")
        else:
            rows = await self.store._fetchall(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE cluster=? ORDER BY alertname, fingerprint", (cluster,))
        return [_row(r) for r in rows]

    async def sources(self) -> dict[str, AlertSource]:
        rows = await self.store._fetchall("SELECT source, fetched_at, attempted_at, error FROM alert_sources")
        return {r[0]: AlertSource(r[0], r[1], r[2], r[3]) for r in rows}
