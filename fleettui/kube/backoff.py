"""Exponential backoff with full jitter, for retrying a cluster that failed.

Full jitter (a uniform draw between 0 and the exponential ceiling) spreads the
retries of a hundred clusters that failed together, instead of having them all
come back at the same instant (see AWS's "Exponential Backoff and Jitter").
"""

from __future__ import annotations

import asyncio
import random


def ceiling(attempt: int, *, base: float = 0.5, cap: float = 30.0, factor: float = 2.0) -> float:
    """The largest delay before retry number `attempt` (0-based): min(cap, base*factor**attempt)."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    # Clamp the exponent so huge attempt counts do not overflow a float.
    return cap if attempt > 64 else min(cap, base * factor**attempt)


def full_jitter(
    attempt: int,
    *,
    base: float = 0.5,
    cap: float = 30.0,
    factor: float = 2.0,
    rng: random.Random | None = None,
) -> float:
    """Delay before retry number `attempt` (0-based): uniform in [0, ceiling(attempt)]."""
    return (rng or random).uniform(0.0, ceiling(attempt, base=base, cap=cap, factor=factor))


class Backoff:
    """Stateful helper: `delay()` grows with each failure, `reset()` after a success."""

    def __init__(
        self,
        *,
        base: float = 0.5,
        cap: float = 30.0,
        factor: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if base <= 0 or cap < base or factor < 1:
            raise ValueError("need base > 0, cap >= base, factor >= 1")
        self.base = base
        self.cap = cap
        self.factor = factor
        self.attempt = 0
        self._rng = rng

    def delay(self) -> float:
        """The next delay; counts one more failure."""
        d = full_jitter(
            self.attempt, base=self.base, cap=self.cap, factor=self.factor, rng=self._rng
        )
        self.attempt += 1
        return d

    def ceiling(self) -> float:
        """The largest delay the next `delay()` can draw."""
        return ceiling(self.attempt, base=self.base, cap=self.cap, factor=self.factor)

    def reset(self) -> None:
        self.attempt = 0

    async def sleep(self) -> float:
        d = self.delay()
        await asyncio.sleep(d)
        return d
