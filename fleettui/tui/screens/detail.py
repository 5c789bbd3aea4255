"""What every detail screen (Enter on a row) shares with the app.

The app re-reads the store for the screen on top with the same change
notifications as the panes (`make_fetch` runs in the refresh worker, `show`
on the UI side), so a detail screen stays live while open; on it Tab walks
its tabs instead of the panes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual.screen import Screen
from textual.widgets import TabbedContent

from fleettui.store import Store
from fleettui.tui.renderers import Palette
from fleettui.tui.widgets.diff_table import DiffTable

DetailFetch = Callable[[Store], Awaitable[Any]]


class DetailScreen(Screen[None]):
    TABS: ClassVar[tuple[str, ...]] = ()  # TabPane ids, in Tab order; each holds one DiffTable

    def __init__(self, *, classes: str) -> None:
        # No id, on purpose: the app replaces a detail screen with another of the same kind
        # (a palette jump, Enter from a pane) by popping and pushing in one tick, and the old
        # screen leaves the DOM only after the new one has arrived; a fixed id would raise
        # DuplicateIds. Stylesheets and tests select these screens by class.
        super().__init__(classes=classes)

    def make_fetch(self) -> DetailFetch:
        """What to read for this screen (bound to its object, not to the widget)."""
        raise NotImplementedError

    def show(self, data: Any, now: float, palette: Palette) -> None:
        raise NotImplementedError

    def show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab} DiffTable", DiffTable).focus()

    def cycle_tab(self, step: int) -> None:
        if not self.TABS:
            return
        current = self.query_one(TabbedContent).active
        i = self.TABS.index(current) if current in self.TABS else 0
        self.show_tab(self.TABS[(i + step) % len(self.TABS)])
