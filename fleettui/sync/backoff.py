"""Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
And Jitter"): sleep a uniform random time in [0, min(cap, base * 2**attempt)].

Full jitter spreads a hundred informers that failed together (a cluster came
back) so they do not retry in lockstep and knock it over again.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, *, base: float = 0.5, cap: float = 30.0, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        return min(self.cap, self.base * (2**self.attempt))

    def next(self) -> float:
        """The next delay, and count the failure."""
        delay = self._rng.uniform(0, self.ceiling())
        self.attempt = min(self.attempt + 1, 30)
        return delay

    def reset(self) -> None:
        self.attempt = 0
