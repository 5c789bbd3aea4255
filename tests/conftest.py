"""Shared fixtures: a started in-process simulator and its kubeconfig."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fleettui.sim import Simulator
from fleettui.store import Store


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """Demo seed, 3 member clusters (+ hub), frozen clock: only `await sim.advance()` moves it."""
    s = Simulator(clusters=3, seed="demo", clock_speed=1.0, rng_seed=0)
    s.clock.freeze()
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
def kubeconfig_path(sim: Simulator, tmp_path: Path) -> Path:
    """The simulator's kubeconfig: a context per member cluster plus `hub`."""
    return sim.write_kubeconfig(tmp_path / "kubeconfig")


class FrozenClock:
    """A settable clock so ages and last_seen are exact in assertions."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def store(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Store]:
    """An empty cache on a frozen clock (the store and sync tests' common ground)."""
    s = await Store.open(tmp_path / "cache.db", clock=clock, poll_interval=0.05)
    yield s
    await s.close()
