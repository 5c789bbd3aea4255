"""`Series.overlay` (the pull's column-wise merge) gives what `Series.merged` gives point by point."""

from __future__ import annotations

import random

from fleettui.store.metrics import Series


def _random_series(rng: random.Random, t0: float, step: float) -> Series:
    n = rng.randrange(0, 40)
    cols = {c: [None if rng.random() < 0.3 else float(rng.randrange(100)) for _ in range(n)]
            for c in rng.sample(["cpu", "mem", "cpu_req", "restarts", "net"], rng.randrange(1, 4))}
    return Series(t0, step, {c: v for c, v in cols.items() if any(x is not None for x in v)})


def test_overlay_is_merged_column_by_column():
    rng = random.Random(12)
    for _ in range(500):
        step = rng.choice([1.0, 60.0])
        old = _random_series(rng, 1000 * step + rng.randrange(-20, 20) * step, step)
        new = _random_series(rng, 1000 * step + rng.randrange(-20, 40) * step, step)
        keep = rng.choice([10 * step, 30 * step, 1e9])
        now = rng.choice([None, 1000 * step + rng.randrange(0, 80) * step + rng.random() * step])
        want = old.merged(new.points(), step=step, keep=keep, now=now)
        got = old.overlay(new, keep=keep, now=now)
        assert (got.t0, got.step, dict(got.cols)) == (want.t0, want.step, dict(want.cols)), (old, new, keep, now)
