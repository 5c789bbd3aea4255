"""What every pane shares: how it reads the store and how it shows what it read.

`fetch` only reads the store (it runs in the refresh worker and never touches a
widget); `show` diffs the result into the widgets on the UI side.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.containers import Vertical

from fleettui.store import Store
from fleettui.tui.renderers import Palette


class Pane(Vertical):
    pane_id: ClassVar[str]
    title: ClassVar[str]

    @staticmethod
    async def fetch(store: Store) -> Any:
        raise NotImplementedError

    def show(self, data: Any, now: float, palette: Palette) -> None:
        raise NotImplementedError

    def set_filter(self, text: str) -> None:
        """The `/` filter; panes without one ignore it."""

    @property
    def filter_text(self) -> str:
        return ""
