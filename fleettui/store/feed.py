"""The change feed: panes subscribe and re-query the store when something changed.

A subscriber that falls behind never blocks the writer and never sees an
unbounded backlog: pending changes are coalesced by (topic, cluster), since a
pane only needs to know *that* a cluster's objects changed, not how many times.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

TOPICS = ("clusters", "objects", "events", "apps", "alerts", "external", "cache")


@dataclass(frozen=True)
class Change:
    """Something in the store changed. `cluster` is None when it is not about one cluster
    (topic `external`: another process wrote to the cache; `cache`: the file this
    store has open was deleted, replaced or truncated, see `Store.file_problem`)."""

    topic: str
    cluster: str | None = None


class Subscription:
    """Async iterator of `Change`s; `close()` (or leaving `async with`) ends it."""

    def __init__(self, feed: ChangeFeed, topics: frozenset[str] | None) -> None:
        self._feed = feed
        self._topics = topics
        self._pending: dict[Change, None] = {}
        self._wakeup = asyncio.Event()
        self._closed = False

    def _offer(self, change: Change) -> None:
        if self._closed or (self._topics is not None and change.topic not in self._topics):
            return
        self._pending[change] = None
        self._wakeup.set()

    def pending(self) -> list[Change]:
        """Take every change waiting now without blocking (for debounced consumers)."""
        changes = list(self._pending)
        self._pending.clear()
        self._wakeup.clear()
        return changes

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Change:
        while not self._pending:
            if self._closed:
                raise StopAsyncIteration
            self._wakeup.clear()
            await self._wakeup.wait()
        change = next(iter(self._pending))
        del self._pending[change]
        return change

    def close(self) -> None:
        self._closed = True
        self._pending.clear()
        self._wakeup.set()
        self._feed._subscribers.discard(self)

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class ChangeFeed:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()

    def subscribe(self, topics: set[str] | frozenset[str] | None = None) -> Subscription:
        sub = Subscription(self, frozenset(topics) if topics is not None else None)
        self._subscribers.add(sub)
        return sub

    def publish(self, change: Change) -> None:
        for sub in list(self._subscribers):
            sub._offer(change)

    def close(self) -> None:
        for sub in list(self._subscribers):
            sub.close()
