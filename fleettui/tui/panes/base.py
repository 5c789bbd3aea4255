"""What every pane shares: how it reads the store and how it shows what it read.

`fetch` only reads the store (it runs in the refresh worker and never touches a
widget); `show` diffs the result into the widgets on the UI side.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.containers import Vertical
from textual.message import Message

from fleettui.store import Store
from fleettui.tui.actions import WriteGuard
from fleettui.tui.renderers import Palette, pane_tabs


class Pane(WriteGuard, Vertical):
    pane_id: ClassVar[str]
    title: ClassVar[str]

    @dataclass
    class OpenDetail(Message):
        """Enter on a row: the registry's detail screen for this pane opens on `item`."""

        pane_id: str
        item: Any

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # (key, pane id, title) of every pane in the app, for the tab line; the app sets it
        self.tabs: list[tuple[str, str, str]] = [("1", self.pane_id, self.title)]

    @staticmethod
    async def fetch(store: Store) -> Any:
        raise NotImplementedError

    def make_fetch(self) -> Callable[[Store], Awaitable[Any]]:
        """The read the next refresh runs: `fetch`, unless what the pane shows now needs
        less of the store (the metrics pane reads only the scopes on screen). The function
        is built here, on the UI side, so the worker never looks at the pane."""
        return type(self).fetch

    def show(self, data: Any, now: float, palette: Palette) -> None:
        raise NotImplementedError

    def info_line(self, info: str) -> Text:
        """The pane's first line: the pane keys, then what this pane shows."""
        text = pane_tabs(self.tabs, self.pane_id)
        text.append("  ")
        text.append(info)
        return text

    def open_detail(self, item: Any) -> None:
        self.post_message(self.OpenDetail(self.pane_id, item))

    def focus_table(self) -> None:
        """Give the keyboard to the pane's main widget."""

    def set_filter(self, text: str) -> None:
        """The `/` filter; panes without one ignore it."""

    @property
    def filter_text(self) -> str:
        return ""
