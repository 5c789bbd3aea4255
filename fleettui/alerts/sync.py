"""Alert state into the cache: every cluster's Prometheus `/api/v1/alerts` and the fleet's
Alertmanager `/api/v2/alerts`, merged per alert, written through `store.writer`.

The store, not the screen, is what this feeds (the screen reads only the store), so the
pane opens instantly on the last known alerts. One source down changes only its own
rows' standing: its alerts stay with the age of the last fetch that worked
(`alert_sources`), the others keep updating. Prometheus is asked through
`FleetPrometheus` (threads, bounded, a timeout each); the Alertmanager in parallel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fleettui.alerts.alertmanager import Alertmanager, AlertmanagerError
from fleettui.prom import FleetPrometheus
from fleettui.store import Store
from fleettui.store.alerts import ALERTMANAGER, AlertRow, AlertStore, fingerprint

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 15.0

# (cluster, fingerprint) -> (silencedBy, inhibitedBy) of the alert the Alertmanager holds
Suppression = dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def suppression(am_alerts: Iterable[Mapping[str, Any]]) -> Suppression:
    """What the Alertmanager suppresses, keyed like the cache. Its alerts carry the
    Prometheus' external label `cluster`; one without it belongs to no cluster we know."""
    out: Suppression = {}
    for a in am_alerts:
        labels = a.get("labels") or {}
        cluster = labels.get("cluster")
        if not cluster:
            continue
        status = a.get("status") or {}
        out[(cluster, fingerprint(labels))] = (tuple(status.get("silencedBy") or ()),
                                               tuple(status.get("inhibitedBy") or ()))
    return out


def merge(cluster: str, prom_alerts: Iterable[Mapping[str, Any]], suppressed: Suppression | None,
          previous: Mapping[tuple[str, str], AlertRow] | None = None) -> list[AlertRow]:
    """One cluster's alerts as the cache holds them. `suppressed` None means the
    Alertmanager did not answer: an alert keeps the silence it had (a silence does not
    lapse because the Alertmanager is down for a minute) rather than flashing back to firing."""
    out = []
    for a in prom_alerts:
        labels = {k: str(v) for k, v in (a.get("labels") or {}).items()}
        labels.pop("cluster", None)
        key = (cluster, fingerprint(labels))
        state = str(a.get("state") or "firing")
        if state == "inactive":
            continue
        silenced: tuple[str, ...] = ()
        inhibited: tuple[str, ...] = ()
        if state == "firing":  # pending alerts never reach the Alertmanager
            if suppressed is not None:
                silenced, inhibited = suppressed.get(key, ((), ()))
            elif previous and key in previous:
                silenced, inhibited = previous[key].silenced_by, previous[key].inhibited_by
            if silenced:
                state = "silenced"
            elif inhibited:
                state = "inhibited"
        out.append(AlertRow(cluster=cluster, alertname=labels.get("alertname", ""), state=state, labels=labels,
                            annotations={k: str(v) for k, v in (a.get("annotations") or {}).items()},
                            active_at=_epoch(a.get("activeAt")),
                            value=None if a.get("value") is None else str(a.get("value")),
                            silenced_by=silenced, inhibited_by=inhibited))
    return out


@dataclass
class RefreshReport:
    alerts: dict[str, int] = field(default_factory=dict)  # cluster -> alerts written
    errors: dict[str, str] = field(default_factory=dict)  # source -> why it gave nothing
    seconds: float = 0.0


class AlertRefresher:
    """Pull every source once (`refresh_once`) or on a timer (`run`); polls never overlap."""

    def __init__(self, store: Store, prom: FleetPrometheus, alertmanager: Alertmanager | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.prom = prom
        self.alertmanager = alertmanager
        self._clock = clock
        self._lock = asyncio.Lock()

    @classmethod
    def for_fleet(cls, store: Store, fleet: Any, *, timeout: float = 5.0) -> AlertRefresher | None:
        """The refresher of a fleet file's `prometheus:` servers and `alertmanager:`; None
        when it names no Prometheus (alerts off)."""
        from fleettui.prom import targets_from_fleet

        targets = targets_from_fleet(fleet.clusters.values())
        if not targets:
            return None
        am = Alertmanager(fleet.alertmanager, timeout=timeout) if fleet.alertmanager else None
        return cls(store, FleetPrometheus(targets, timeout=timeout), am)

    def close(self) -> None:
        self.prom.close()

    async def _am_alerts(self) -> list[dict[str, Any]] | AlertmanagerError | None:
        if self.alertmanager is None:
            return None
        try:
            return await self.alertmanager.alerts()
        except (AlertmanagerError, TimeoutError) as exc:
            return exc if isinstance(exc, AlertmanagerError) else AlertmanagerError("Alertmanager: timed out")

    async def refresh_once(self) -> RefreshReport:
        async with self._lock:
            started = self._clock()
            answer, am = await asyncio.gather(self.prom.get("/api/v1/alerts"), self._am_alerts())
            report = RefreshReport()
            writer = self.store.writer
            suppressed: Suppression | None = None
            previous: dict[tuple[str, str], AlertRow] | None = None
            if isinstance(am, list):
                suppressed = suppression(am)
                writer.alert_source(ALERTMANAGER)
            elif isinstance(am, AlertmanagerError):
                report.errors[ALERTMANAGER] = str(am)
                writer.alert_source(ALERTMANAGER, error=str(am))
                previous = {r.key: r for r in await AlertStore(self.store).alerts()}
            else:
                suppressed = {}
            for cluster, a in sorted(answer.answers.items()):
                if not a.ok:
                    report.errors[cluster] = a.error or "no answer"
                    writer.alert_source(cluster, error=a.error or "no answer")
                    continue
                data = a.result if isinstance(a.result, dict) else {}
                rows = merge(cluster, data.get("alerts") or [], suppressed, previous)
                writer.put_alerts(cluster, rows)
                report.alerts[cluster] = len(rows)
            await writer.flush()
            report.seconds = self._clock() - started
            return report

    async def run(self, interval: float = DEFAULT_INTERVAL) -> None:
        """Refresh until cancelled; the next poll starts `interval` after the last ended,
        so a slow fleet never stacks polls."""
        while True:
            try:
                report = await self.refresh_once()
                for source, error in report.errors.items():
                    log.info("alerts: %s: %s", source, error)
            except asyncio.CancelledError:
                raise
            except Exception:  # a store hiccup must not end the loop: the next poll retries
                log.exception("alert refresh failed")
            await asyncio.sleep(interval)
