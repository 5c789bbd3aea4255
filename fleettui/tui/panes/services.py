"""The services pane: one row per (namespace, service) across the clusterset, filterable, updated by diff."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from fleettui.store import Store
from fleettui.store.services import ServiceSetRow, service_sets
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette
from fleettui.tui.services_renderers import SERVICE_COLUMNS, service_cells, service_matches
from fleettui.tui.widgets.diff_table import DiffTable


class ServicesPane(Pane):
    pane_id = "services"
    title = "Services"

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
