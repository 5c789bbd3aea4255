"""Intermittent links: a fault schedule that takes some edge sites off the network now and then.

Edge sites reach the hub over shop broadband, LTE or satellite; a few of them
drop off for tens of seconds to minutes and come back on their own. A fixed,
seeded subset of the members is "flaky"; each of those alternates between up
(for `up` seconds, drawn per period) and down (`down` seconds, the connection
reset as the `refuse` fault does). The schedule runs on the virtual clock, so
`Simulator.advance()` drives it in tests as the controllers are.

It never overrides a fault somebody else set (a test or the admin endpoint):
it only takes a site down that has no fault, and only brings back one whose
fault is still the one it set.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from fleettui.sim.faults import Fault, FaultTable

_LINK_DOWN = Fault(down="refuse")


class LinkFlaps:
    def __init__(self, members: list[str], faults: FaultTable, now: Callable[[], float], *,
                 share: float, rng: random.Random, up: tuple[float, float] = (60.0, 600.0),
                 down: tuple[float, float] = (10.0, 90.0)) -> None:
        if not 0 <= share <= 1:
            raise ValueError("the flaky share is between 0 and 1")
        self.faults, self.now, self.rng = faults, now, rng
        self.up, self.down = up, down
        flaky = rng.sample(members, round(len(members) * share))
        t = now()
        # first drops spread over a whole up period, so the sites do not fall in step
        self._next: dict[str, float] = {m: t + rng.uniform(0, up[1]) for m in flaky}
        self.is_down: set[str] = set()
        self.drops = 0

    @property
    def flaky(self) -> list[str]:
        return list(self._next)

    def step(self) -> None:
        t = self.now()
        for member, when in self._next.items():
            if when > t:
                continue
            if member in self.is_down:
                self.is_down.discard(member)
                if self.faults.get(member) == _LINK_DOWN:
                    self.faults.clear(member)
                self._next[member] = t + self.rng.uniform(*self.up)
            else:
                if not self.faults.get(member).active:
                    self.faults.set(member, down="refuse")
                    self.is_down.add(member)
                    self.drops += 1
                self._next[member] = t + self.rng.uniform(*self.down)
