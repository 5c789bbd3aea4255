"""The services pane: one row per (namespace, service) across the clusterset, filterable, updated by diff.

Export, unexport and import (MCS API) are posted upward with the service they are
on; the app asks for the clusters, shows `mcs_actions.preview` and runs it after a yes.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static

from fleettui.store import Store
from fleettui.store.services import ServiceSetRow, service_sets
from fleettui.tui.actions import ActionSpec, bindings
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette
from fleettui.tui.services_renderers import SERVICE_COLUMNS, service_cells, service_matches
from fleettui.tui.widgets.diff_table import DiffTable

SERVICE_ACTIONS = (
    ActionSpec("e", "export", "Export", "export the service from a cluster (creates its ServiceExport)",
               write=True),
    ActionSpec("U", "unexport", "Unexport", "unexport it from a cluster (deletes that ServiceExport)",
               write=True, show=False),
    ActionSpec("i", "import", "Import", "import it into consumer clusters (creates their ServiceImport)",
               write=True),
)


@dataclass
class ServiceRequest(Message):
    """A request to change the clusterset's export or import of one service; the app runs it."""

    row: ServiceSetRow


class ServicesPane(Pane):
    pane_id = "services"
    title = "Services"

    ACTIONS = SERVICE_ACTIONS
    BINDINGS = bindings(SERVICE_ACTIONS)

    class Export(ServiceRequest):
        """Create the ServiceExport in a provider cluster."""

    class Unexport(ServiceRequest):
        """Delete a provider cluster's ServiceExport."""

    class Import(ServiceRequest):
        """Create ServiceImports in consumer clusters (exporting from the provider first)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list[ServiceSetRow] = []
        self._palette = Palette()
        self._needle = ""

    def compose(self) -> ComposeResult:
        yield Static(id="services-info", classes="pane-info")
        yield DiffTable(SERVICE_COLUMNS, id="services-table", fixed_columns=1)

    @property
    def table(self) -> DiffTable:
        return self.query_one("#services-table", DiffTable)

    @staticmethod
    async def fetch(store: Store) -> list[ServiceSetRow]:
        return await service_sets(store)

    def show(self, data: list[ServiceSetRow], now: float, palette: Palette) -> None:
        self._rows, self._palette = data, palette
        self._redraw()

    def _redraw(self) -> None:
        rows = [r for r in self._rows if service_matches(r, self._needle)]
        self.table.apply_rows([(r.key, service_cells(r, self._palette)) for r in rows])
        conflicts = sum(1 for r in rows if r.analysis.conflicts)
        info = f"{len(rows)} clusterset services, {conflicts} in conflict"
        if self._needle:
            info += f"  filter: /{self._needle}"
        self.query_one("#services-info", Static).update(self.info_line(info))

    def set_filter(self, text: str) -> None:
        self._needle = text.strip()
        self._redraw()

    @property
    def filter_text(self) -> str:
        return self._needle

    def focus_table(self) -> None:
        self.table.focus()

    def current(self) -> ServiceSetRow | None:
        key = self.table.current_key
        return next((r for r in self._rows if r.key == key), None)

    @on(DataTable.RowSelected, "#services-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.open_detail(row)

    def _post(self, message: type[ServiceRequest]) -> None:
        row = self.current()
        if row is None:
            self.app.notify("no service selected", severity="warning")
            return
        self.post_message(message(row))

    def action_export(self) -> None:
        self._post(self.Export)

    def action_unexport(self) -> None:
        self._post(self.Unexport)

    def action_import(self) -> None:
        self._post(self.Import)
