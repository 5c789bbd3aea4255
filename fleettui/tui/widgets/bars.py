"""The header (fleet summary) and the status bar (where the data comes from)."""

from __future__ import annotations

from textual.widgets import Static

from fleettui.store import FleetSummary
from fleettui.tui.renderers import Palette, StatusInfo, status_text, summary_text


class FleetHeader(Static):
    """One line: the fleet in numbers (what fits the terminal's width)."""

    def show(self, summary: FleetSummary, palette: Palette) -> None:
        self.update(summary_text(summary, palette, wide=self.app.size.width >= 120))


class StatusBar(Static):
    def show(self, info: StatusInfo, now: float, palette: Palette) -> None:
        self.update(status_text(info, now, palette))
