"""What every pane shares: how it reads the store and how it shows what it read.

`fetch` only reads the store (it runs in the refresh worker and never touches a
widget); `show` diffs the result into the widgets on the UI side.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.containers import Vertical

from fleettui.store import Store
from fleettui.tui.renderers import Palette, pane_tabs


class Pane(Vertical):
    pane_id: ClassVar[str]
    title: ClassVar[str]

    @staticmethod
    async def fetch(store: Store) -> Any:
        raise NotImplementedError

    def show(self, data: Any, now: float, palette: Palette) -> None:
        raise NotImplementedError

    def info_line(self, info: str) -> Text:
        """The pane's first line: the pane keys, then what this pane shows."""
        panes = [(cls.pane_id, cls.title) for cls in getattr(self.app, "pane_classes", [type(self)])]
        text = pane_tabs(panes, self.pane_id)
        text.append("  ")
        text.append(info)
        return text

    def set_filter(self, text: str) -> None:
        """The `/` filter; panes without one ignore it."""

    @property
    def filter_text(self) -> str:
        return ""
