"""The header (fleet summary) and the status bar (where the data comes from)."""

from __future__ import annotations

from textual.widgets import Static

from fleettui.store import FleetSummary
from fleettui.tui.renderers import Palette, StatusInfo, status_text, summary_text


class FleetHeader(Static):
    """One line: the fleet in numbers, plus which pane is showing."""

    def show(self, summary: FleetSummary, pane_title: str, palette: Palette) -> None:
        text = summary_text(summary, palette)
        text.append(f"  [{pane_title}]", style="bold")
        self.update(text)


class StatusBar(Static):
    def show(self, info: StatusInfo, now: float, palette: Palette) -> None:
        self.update(status_text(info, now, palette))
