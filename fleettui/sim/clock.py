"""The simulator's virtual clock.

The demo runs it in real time (speed 1.0); tests advance it explicitly so that a
rollout that takes 20 simulated seconds takes milliseconds of wall time and is
deterministic. Every timestamp the simulator writes (creationTimestamp, condition
times, heartbeats, events) comes from here.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime


class VirtualClock:
    """Wall time scaled by `speed`, plus whatever `advance()` added."""

    def __init__(self, *, speed: float = 1.0, start: float | None = None) -> None:
        self.speed = speed
        self._start = time.time() if start is None else start
        self._mono0 = time.monotonic()
        self._offset = 0.0
        self._changed = asyncio.Event() if _has_loop() else None

    def now(self) -> float:
        """Current virtual time, epoch seconds."""
        return self._start + self._offset + (time.monotonic() - self._mono0) * self.speed

    def advance(self, seconds: float) -> None:
        """Jump forward; wakes every `sleep()` so timers see the new time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds
        self._wake()

    def freeze(self) -> None:
        """Stop the clock's own motion (tests): only `advance()` moves it."""
        self._start = self.now() - self._offset
        self._mono0 = time.monotonic()
        self.speed = 0.0

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of virtual time (returns early if `advance()` passes it)."""
        deadline = self.now() + seconds
        while (remaining := deadline - self.now()) > 0:
            if self._changed is None:
                self._changed = asyncio.Event()
            wait = remaining / self.speed if self.speed > 0 else 3600.0
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for swallows a cancel that
                # arrives as the event fires, and stop() then waits forever.
                async with asyncio.timeout(min(wait, 3600.0)):
                    await self._changed.wait()
            except TimeoutError:
                pass
            else:
                self._changed.clear()

    def iso(self, ts: float | None = None) -> str:
        """RFC 3339 in UTC with second precision, as the API server writes times."""
        t = self.now() if ts is None else ts
        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()


def _has_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
