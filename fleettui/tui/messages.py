"""Messages workers post to the app: workers never touch widgets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from fleettui.store import Change


class StoreChanged(Message):
    """The change feed said something in the store changed."""

    def __init__(self, change: Change) -> None:
        super().__init__()
        self.change = change


@dataclass
class ViewData:
    """What one refresh read out of the store, per target (header, panes, screens)."""

    now: float
    parts: dict[str, Any]


class Refreshed(Message):
    def __init__(self, data: ViewData) -> None:
        super().__init__()
        self.data = data


class SyncStateChanged(Message):
    """The background sync started, stopped, or failed (error text)."""

    def __init__(self, running: bool, error: str | None = None) -> None:
        super().__init__()
        self.running = running
        self.error = error


class SyncNotice(Message):
    """A problem the sync met that the user should know about (not fatal)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CacheProblem(Message):
    """The cache file under the dashboard was deleted, replaced or truncated (or could not
    be rebuilt): what the status bar says about it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CacheReopened(Message):
    """A fresh store on the cache path, to replace the one whose file went away."""

    def __init__(self, store: Any, text: str) -> None:
        super().__init__()
        self.store = store
        self.text = text
