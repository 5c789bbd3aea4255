from __future__ import annotations

import pytest

from fleettui.store import Store


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
async def store(tmp_path, clock):
    s = await Store.open(tmp_path / "cache.db", clock=clock, poll_interval=0.05)
    yield s
    await s.close()
