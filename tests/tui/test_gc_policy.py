"""Full collections run while nobody types, never on the collector's own schedule while
the dashboard runs, and everything is put back when it stops."""

from __future__ import annotations

import gc
import weakref

import pytest

from fleettui.tui import gc_policy
from fleettui.tui.gc_policy import GcPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def policy():
    before = gc.get_threshold()
    clock = Clock()
    p = GcPolicy(clock)
    yield p, clock
    p.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_full_collections_wait_for_a_quiet_moment(policy) -> None:
    p, clock = policy
    threshold = gc.get_threshold()
    p.start()
    # the collector no longer starts a full collection by itself
    assert gc.get_threshold()[:2] == threshold[:2] and gc.get_threshold()[2] >= gc_policy.NEVER
    assert gc.get_freeze_count() > 0
    _make_due(p)
    p.input_seen()
    clock.now += gc_policy.QUIET / 2
    assert p.tick() is None  # typing: later
    clock.now += gc_policy.QUIET
    assert p.tick() == "full"
    # what survived is frozen, so the next full collection walks only what is new
    assert gc.get_count()[2] == 0
    # quiet, but Python would not have collected yet: nothing to do
    clock.now += gc_policy.CHECK_EVERY
    assert p.tick() is None


def _make_due(p: GcPolicy) -> None:
    """As many generation-1 collections as Python waits for before a full one (its
    generation-2 threshold, which the policy took over)."""
    assert p._saved is not None
    for _ in range(p._saved[2]):
        gc.collect(1)


def test_a_user_who_never_pauses_still_gets_a_collection(policy) -> None:
    p, clock = policy
    p.start()
    for _ in range(int(gc_policy.LATEST / gc_policy.CHECK_EVERY) - 1):
        clock.now += gc_policy.CHECK_EVERY
        p.input_seen()
        assert p.tick() is None
    clock.now += 2 * gc_policy.CHECK_EVERY
    p.input_seen()
    assert p.tick() == "full"


def test_frozen_objects_are_thawed_now_and_then_so_their_cycles_are_freed(policy) -> None:
    p, clock = policy
    p.start()

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a reference cycle
    ref = weakref.ref(a)
    _make_due(p)
    clock.now += gc_policy.QUIET
    assert p.tick() == "full"  # survives (referenced), and is frozen with the rest
    del a, b  # garbage now, but frozen: a plain full collection leaves it
    _make_due(p)
    clock.now += gc_policy.QUIET
    assert p.tick() == "full"
    assert ref() is not None
    clock.now += gc_policy.THAW_EVERY
    assert p.tick() == "thaw"
    assert ref() is None


async def test_the_dashboard_hands_the_collector_back_when_it_stops(tmp_path) -> None:
    from fleettui.tui.app import FleetApp
    from tui.fleet_fixture import fixture_store

    before = gc.get_threshold()
    store = await fixture_store(tmp_path / "cache.db", clusters=3)
    await store.close()
    app = FleetApp(store_path=tmp_path / "cache.db", kubeconfig="k", debounce=0.01)
    async with app.run_test() as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause(0.1)
        assert gc.get_threshold()[2] >= gc_policy.NEVER
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
