import random

import pytest

from fleettui.kube.backoff import Backoff, full_jitter


def test_full_jitter_bounds():
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(30.0, 0.5 * 2**attempt)
        draws = [full_jitter(attempt, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling * 0.8  # really spread over the whole range
    assert full_jitter(10_000, rng=rng) <= 30.0
    with pytest.raises(ValueError):
        full_jitter(-1)


def test_backoff_grows_and_resets():
    b = Backoff(base=1.0, cap=8.0, rng=random.Random(3))
    ceilings = []
    for _ in range(6):
        ceilings.append(b.ceiling())
        assert 0 <= b.delay() <= ceilings[-1]
    assert ceilings == [1, 2, 4, 8, 8, 8]
    b.reset()
    assert b.attempt == 0 and b.ceiling() == 1
    assert not hasattr(b, "next")  # one name for one thing: `delay()`


def test_backoff_validates():
    with pytest.raises(ValueError):
        Backoff(base=0)
    with pytest.raises(ValueError):
        Backoff(base=2, cap=1)


async def test_sleep(monkeypatch):
    slept = []

    async def fake_sleep(d):
        slept.append(d)

    monkeypatch.setattr("fleettui.kube.backoff.asyncio.sleep", fake_sleep)
    b = Backoff(base=0.1, cap=0.1, rng=random.Random(0))
    d = await b.sleep()
    assert slept == [d] and 0 <= d <= 0.1
