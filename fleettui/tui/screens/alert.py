"""The alert screen (Enter on an alert): its labels and annotations, the rule it came from
and its expression over the last hour from that cluster's own Prometheus.

The query runs in a worker (prometheus-api-client is synchronous: `FleetPrometheus` puts
it on threads) and comes back as a message; the alert itself is re-read from the cache
like any detail screen, so it shows resolved when it resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from fleettui.alerts.history import AlertHistory, alert_history
from fleettui.store import Store
from fleettui.store.alerts import AlertRow, AlertStore
from fleettui.tui.alerts_renderers import alert_detail_lines, alert_heading, history_lines
from fleettui.tui.renderers import Palette
from fleettui.tui.screens.detail import DetailFetch, DetailScreen
from fleettui.tui.widgets.footer import FleetFooter


def prometheus_of(fleet: Any, cluster: str) -> str | None:
    """The cluster's Prometheus from the fleet file (`clusters.<name>.prometheus`)."""
    entry = (getattr(fleet, "clusters", None) or {}).get(cluster)
    return getattr(entry, "prometheus", None) if entry is not None else None


class AlertScreen(DetailScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    @dataclass
    class HistoryLoaded(Message):
        history: AlertHistory

    def __init__(self, alert: AlertRow) -> None:
        super().__init__(classes="alert-screen")
        self.alert: AlertRow | None = alert
        self.cluster, self.fingerprint = alert.cluster, alert.fingerprint
        self.history: AlertHistory | None = None
        self._palette = Palette()
        self._now = 0.0

    def compose(self) -> ComposeResult:
        yield Static(id="alert-heading")
        with VerticalScroll(id="alert-body"):
            yield Static(id="alert-history")
            yield Static(alert_detail_lines(self.alert) if self.alert else "", id="alert-detail")
        yield FleetFooter()

    def on_mount(self) -> None:
        alert = self.alert
        assert alert is not None
        self._now = self.app.clock()  # type: ignore[attr-defined]
        self.query_one("#alert-heading", Static).update(
            alert_heading(alert, alert.alertname, self._now, self._palette))
        url = prometheus_of((self.app.pane_options or {}).get("fleet"), alert.cluster)  # type: ignore[attr-defined]
        if url is None:
            self.post_message(self.HistoryLoaded(AlertHistory(
                None, self._now, self._now, 1.0,
                error=f"no Prometheus for {alert.cluster} in the fleet file (`prometheus:`): nothing to plot")))
            return
        self._query(url, alert, self._now)
        self._show_history()

    @work(exclusive=True, group="alert-history")
    async def _query(self, url: str, alert: AlertRow, end: float) -> None:
        from fleettui.prom import FleetPrometheus, Target

        prom = FleetPrometheus([Target(alert.cluster, url.rstrip("/"))], timeout=5.0, concurrency=1)
        try:
            history = await alert_history(prom, alert.cluster, alert.alertname, alert.labels, end=end)
        finally:
            prom.close()
        self.post_message(self.HistoryLoaded(history))

    @on(HistoryLoaded)
    def _loaded(self, event: HistoryLoaded) -> None:
        self.history = event.history
        self._show_history()

    def _show_history(self) -> None:
        self.query_one("#alert-history", Static).update(history_lines(self.history, self._palette))

    def make_fetch(self) -> DetailFetch:
        cluster, fingerprint = self.cluster, self.fingerprint

        async def fetch(store: Store) -> AlertRow | None:
            return next((a for a in await AlertStore(store).alerts(cluster) if a.fingerprint == fingerprint), None)

        return fetch

    def show(self, alert: AlertRow | None, now: float, palette: Palette) -> None:
        self._palette, self._now = palette, now
        name = self.alert.alertname if self.alert is not None else self.fingerprint
        self.query_one("#alert-heading", Static).update(alert_heading(alert, name, now, palette))
        self._show_history()
        if alert is not None:
            self.alert = alert
            self.query_one("#alert-detail", Static).update(alert_detail_lines(alert))
