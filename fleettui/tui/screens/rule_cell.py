"""One cell of the consistency matrix: the variant this cluster should run, the
PrometheusRule it runs, their difference and every problem found (Esc goes back)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from fleettui.alerts.consistency import Cell
from fleettui.tui.renderers import Palette
from fleettui.tui.rules_renderers import cell_detail
from fleettui.tui.widgets.footer import FleetFooter


class RuleCellScreen(Screen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, cell: Cell, palette: Palette | None = None) -> None:
        super().__init__(id="rule-cell-screen")
        self.cell = cell
        self._palette = palette or Palette()

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="rule-cell-body"):
            yield Static(cell_detail(self.cell, self._palette), id="rule-cell-detail")
        yield FleetFooter()
