"""Backtest: how many alerts would a rule have fired over past data, and when.

Pure: the input is the `query_range` matrix of the rule's `expr` at the rule's
evaluation step, the output the alert episodes Prometheus' rule manager would have
produced, honouring `for` (pending until the series has been present that long;
a gap resets it) and `keep_firing_for` (a firing alert outlives its series by that
long). Sampling at the evaluation step is what the rule manager does, so the count
is the one Prometheus would have notified, give or take the phase of the step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Episode:
    labels: tuple[tuple[str, str], ...]
    fired_at: float
    resolved_at: float | None  # None: still firing at the end of the window


@dataclass(frozen=True)
class Backtest:
    start: float
    end: float
    step: float
    episodes: tuple[Episode, ...]
    firing_now: int  # alerts firing at the last evaluation
    pending_now: int
    sparkline: str

    @property
    def count(self) -> int:
        return len(self.episodes)


def run(matrix: Sequence[dict[str, Any]], *, start: float, end: float, step: float,
        for_s: float = 0.0, keep_firing_for_s: float = 0.0, buckets: int = 24) -> Backtest:
    """Episodes per series of `matrix` ({"metric": {...}, "values": [[t, "v"], ...]})."""
    # the evaluations Prometheus returns: start, start + step, ... up to end, never past it
    # (rounding up counted a step after `end` that no series can be present at, so a rule
    # firing now read as resolved whenever `end` fell in the second half of a step)
    steps = max(1, int((end - start) / step + 1e-9) + 1)
    firing_at = [0] * steps
    episodes: list[Episode] = []
    firing_now = pending_now = 0
    for series in matrix:
        labels = tuple(sorted((k, v) for k, v in (series.get("metric") or {}).items() if k != "__name__"))
        present = {int(round((float(t) - start) / step)) for t, _ in series.get("values") or []}
        active_since: int | None = None
        fired: int | None = None
        last_seen: int | None = None
        for i in range(steps):
            if i in present:
                if active_since is None:
                    active_since = i
                last_seen = i
                if fired is None and (i - active_since) * step >= for_s:
                    fired = i
            else:
                active_since = None
                if fired is not None and (last_seen is None or (i - last_seen) * step > keep_firing_for_s):
                    episodes.append(Episode(labels, start + fired * step, start + i * step))
                    fired = None
            if fired is not None:
                firing_at[i] += 1
        if fired is not None:
            episodes.append(Episode(labels, start + fired * step, None))
            firing_now += 1
        elif active_since is not None:
            pending_now += 1
    episodes.sort(key=lambda e: (e.fired_at, e.labels))
    return Backtest(start, end, step, tuple(episodes), firing_now, pending_now, sparkline(firing_at, buckets))


def sparkline(values: Sequence[int], buckets: int = 24) -> str:
    """The most alerts firing at once in each of `buckets` slices; a blank slice is '·' so
    "never fired" and "fired a little" do not look alike."""
    if not values:
        return ""
    n = min(buckets, len(values))
    peaks = [max(values[len(values) * b // n: max(len(values) * (b + 1) // n, len(values) * b // n + 1)])
             for b in range(n)]
    top = max(peaks)
    return "".join("·" if p == 0 else SPARKS[min(len(SPARKS) - 1, (p * len(SPARKS) - 1) // top)] for p in peaks)
