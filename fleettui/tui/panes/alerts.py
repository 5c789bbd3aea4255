"""The alerts pane: firing and pending alerts of every cluster, from the cache, one live list.

Grouped by alert name, cluster or severity (`g` cycles); the `/` filter takes karma's
matchers (`@cluster=edge-*,@state=firing,severity=critical`) through `alerts.matchers`,
so the pane and `fleettui alerts --filter` mean the same thing. What is wrong with the
pipeline itself (a source unknown, a Watchdog silent) is shown above the list.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from fleettui.alerts import consistency, matchers
from fleettui.alerts.consistency import Cell, Matrix
from fleettui.alerts.view import GROUP_BY, AlertView, alert_view
from fleettui.store import Store
from fleettui.store.alerts import AlertRow, AlertSource, AlertStore
from fleettui.tui.actions import ActionSpec, bindings
from fleettui.tui.alerts_renderers import (
    ALERT_COLUMNS,
    GROUP,
    alert_rows,
    pipeline_broken,
    status_lines,
)
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette
from fleettui.tui.rules_renderers import matrix_rows, matrix_summary
from fleettui.tui.screens.rule_cell import RuleCellScreen
from fleettui.tui.widgets.diff_table import DiffTable

ALERT_ACTIONS = (
    ActionSpec("g", "cycle_group", "Group", "group by alert name, cluster or severity (cycles)"),
    ActionSpec("s", "silence", "Silence", "silence this alert on its cluster in the Alertmanager", write=True),
    ActionSpec("S", "silences", "Silences", "list the Alertmanager's silences (x expires one)"),
    ActionSpec("e", "edit_rules", "Edit rules",
               "edit a rule set file: every cluster's variant checked (promtool), planned, then distributed",
               write=True),
    ActionSpec("m", "toggle_matrix", "Matrix",
               "consistency matrix: rule set × cluster, defined vs deployed vs loaded (again: back)"),
)

MATRIX_TIMEOUT = 60.0  # every cluster's objects, Prometheus and the Alertmanager, each with its own timeout


@dataclass(frozen=True)
class AlertsData:
    alerts: list[AlertRow]
    sources: dict[str, AlertSource]
    clusters: list[str] = field(default_factory=list)


class AlertsPane(Pane):
    pane_id = "alerts"
    title = "Alerts"

    ACTIONS = ALERT_ACTIONS
    BINDINGS = bindings(ALERT_ACTIONS)

    @dataclass
    class Silence(Message):
        """Silence this alert on its cluster; the app asks for duration and comment, then writes."""

        alert: AlertRow

    @dataclass
    class ShowSilences(Message):
        """Open the Alertmanager's silences."""

    @dataclass
    class EditRules(Message):
        """Open a rule set file in the rule editor; the app reads it and distributes the result."""

    @dataclass
    class MatrixLoaded(Message):
        cells: list[Cell] | None
        error: str | None = None

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._data = AlertsData([], {})
        self._palette = Palette()
        self._now = 0.0
        self._needle = ""
        self._filter_error = ""
        self._filters: list[matchers.Filter] = []
        self.group_by = GROUP_BY[0]
        self.view: AlertView | None = None
        self.matrix: Matrix | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="alerts-info", classes="pane-info")
        with Vertical(id="alerts-list"):
            yield Static(id="alerts-status")
            yield DiffTable(ALERT_COLUMNS, id="alerts-table", fixed_columns=2)
        with Vertical(id="alerts-matrix"):
            yield Static("", id="matrix-status")
            yield DataTable(id="matrix-table", cursor_type="cell", fixed_columns=1)

    def on_mount(self) -> None:
        self.query_one("#alerts-matrix").display = False

    @property
    def showing_matrix(self) -> bool:
        return bool(self.query_one("#alerts-matrix").display)

    @property
    def table(self) -> DiffTable:
        return self.query_one("#alerts-table", DiffTable)

    @staticmethod
    async def fetch(store: Store) -> AlertsData:
        reads = AlertStore(store)
        return AlertsData(await reads.alerts(), await reads.sources(), [c.name for c in await store.clusters()])

    def show(self, data: AlertsData, now: float, palette: Palette) -> None:
        self._data, self._now, self._palette = data, now, palette
        self._redraw()

    def _redraw(self) -> None:
        d = self._data
        view = alert_view(d.alerts, d.sources, filters=self._filters, group_by=self.group_by,
                          clusters=d.clusters or None)
        self.view = view
        self.table.apply_rows(alert_rows(view, self._now, self._palette))
        status = status_lines(view, pipeline_broken(d.alerts, d.sources, d.clusters or None), self._now,
                              self._palette)
        if self._needle:
            status.append(f"\nfilter: /{self._needle}")
        if self._filter_error:
            status.append(f"  {self._filter_error}", style=self._palette.unhealthy)
        self.query_one("#alerts-status", Static).update(status)
        what = "consistency: rule set × cluster (Enter: the cell)" if self.showing_matrix \
            else f"alerts by {self.group_by}"
        self.query_one("#alerts-info", Static).update(self.info_line(what))

    def set_filter(self, text: str) -> None:
        self._needle = text.strip()
        try:
            self._filters, self._filter_error = matchers.parse(self._needle), ""
        except matchers.FilterError as exc:
            # half-typed matchers are normal while typing: keep the last good filter
            self._filter_error = str(exc)
        self._redraw()

    @property
    def filter_text(self) -> str:
        return self._needle

    def focus_table(self) -> None:
        (self.query_one("#matrix-table", DataTable) if self.showing_matrix else self.table).focus()

    def current(self) -> AlertRow | None:
        key = self.table.current_key
        if key is None or key.startswith(GROUP):
            return None
        return next((a for a in self._data.alerts if f"{a.cluster}/{a.fingerprint}" == key), None)

    def action_cycle_group(self) -> None:
        self.group_by = GROUP_BY[(GROUP_BY.index(self.group_by) + 1) % len(GROUP_BY)]
        self._redraw()

    @on(DataTable.RowSelected, "#alerts-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        alert = self.current()
        if alert is not None:
            self.open_detail(alert)

    def action_silence(self) -> None:
        alert = self.current()
        if alert is None:
            self.app.notify("no alert selected", severity="warning")
            return
        self.post_message(self.Silence(alert))

    def action_edit_rules(self) -> None:
        self.post_message(self.EditRules())

    def action_silences(self) -> None:
        self.post_message(self.ShowSilences())

    # -- the consistency matrix: read from the clusters, not the cache, so in a worker --

    def action_toggle_matrix(self) -> None:
        showing = not self.showing_matrix
        self.query_one("#alerts-matrix").display = showing
        self.query_one("#alerts-list").display = not showing
        if showing:
            self.query_one("#matrix-status", Static).update(Text("reading every cluster's rules…"))
            self._load_matrix()
        self._redraw()
        self.focus_table()

    @work(exclusive=True, group="rule-status", exit_on_error=False)
    async def _load_matrix(self) -> None:
        gather = (getattr(self.app, "pane_options", None) or {}).get("rule_status")
        if gather is None:
            self.post_message(self.MatrixLoaded(None, "no rule sets to judge: start the dashboard with a hub "
                                                      "and a fleet file"))
            return
        try:
            cells = await asyncio.wait_for(gather(), MATRIX_TIMEOUT)
        except Exception as exc:  # a CliError, a hub down, a timeout: said in the view, never a crash
            self.post_message(self.MatrixLoaded(None, str(exc) or type(exc).__name__))
            return
        self.post_message(self.MatrixLoaded(list(cells)))

    @on(MatrixLoaded)
    def _matrix_loaded(self, event: MatrixLoaded) -> None:
        status = self.query_one("#matrix-status", Static)
        if event.cells is None:
            status.update(Text(f"consistency unknown: {event.error}", style=self._palette.stale))
            return
        self.matrix = m = consistency.matrix(event.cells)
        status.update(Text(matrix_summary(m)))
        table = self.query_one("#matrix-table", DataTable)
        table.clear(columns=True)
        table.add_column("RULE SET", key="ruleset")
        for c in m.clusters:
            table.add_column(c.upper(), key=c)
        for key, cells in matrix_rows(m, self._palette):
            table.add_row(*cells, key=key)

    @on(DataTable.CellSelected, "#matrix-table")
    def _open_cell(self, event: DataTable.CellSelected) -> None:
        event.stop()
        m = self.matrix
        row, col = event.coordinate.row, event.coordinate.column
        if m is None or col == 0 or row >= len(m.rulesets):
            return
        cell = m.cells.get((m.rulesets[row], m.clusters[col - 1]))
        if cell is not None:
            self.app.push_screen(RuleCellScreen(cell, self._palette))
