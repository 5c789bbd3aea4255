"""The header (fleet summary) and the status bar (where the data comes from).

Both re-render on resize: what they show is chosen to fit the width they have.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Static

from fleettui.store import FleetSummary
from fleettui.tui.bar_renderers import StatusInfo, status_text, summary_text
from fleettui.tui.renderers import Palette


class FleetHeader(Static):
    """The fleet in numbers, in the words that fit the terminal's width (two lines
    only when the tersest words do not fit one)."""

    _shown: tuple[FleetSummary, Palette] | None = None

    def show(self, summary: FleetSummary, palette: Palette) -> None:
        self._shown = (summary, palette)
        self.update(summary_text(summary, palette, width=self.content_region.width or None))

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None:
            self.show(*self._shown)


class StatusBar(Static):
    _shown: tuple[StatusInfo, float, Palette] | None = None

    def show(self, info: StatusInfo, now: float, palette: Palette) -> None:
        self._shown = (info, now, palette)
        self.update(status_text(info, now, palette, width=self.content_region.width or None))

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None:
            self.show(*self._shown)
