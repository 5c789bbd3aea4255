"""The cache deleted or truncated under a running dashboard: it says so and rebuilds."""

from __future__ import annotations

import os

from fleettui.store import Store
from fleettui.tui.app import FleetApp
from tui.conftest import wait_for_data


async def _store(path, clock):
    store = await Store.open(path, clock=clock, poll_interval=0.05)
    store.writer.put_cluster("a", context="a")
    store.writer.probe("a", reachable=True, version="v1.31.0")
    store.writer.set_meta("last_sync", str(clock()))
    await store.writer.flush()
    return store


async def _until(pilot, predicate, limit=10.0):
    waited = 0.0
    while not predicate() and waited < limit:
        await pilot.pause(0.05)
        waited += 0.05
    assert predicate()


async def _quiet(pilot):
    """Leave only once the refresh the rebuild asked for is on screen."""
    app = pilot.app
    await _until(pilot, lambda: not app._refreshing and app._timer is None and not app._dirty)
    await pilot.pause(0.1)


def _status(app) -> str:
    return str(app.query_one("#status-bar").render())


async def test_a_deleted_cache_is_noticed_and_rebuilt(tmp_path):
    path = tmp_path / "cache.db"
    now = 1_800_000_000.0
    store = await _store(path, lambda: now)
    try:
        app = FleetApp(store=store, clock=lambda: now, debounce=0.05)
        async with app.run_test(size=(160, 24)) as pilot:
            await wait_for_data(pilot)
            assert "synced 0s ago" in _status(app)
            os.unlink(path)
            await _until(pilot, lambda: app.cache_problem is not None and "rebuilt" in app.cache_problem)
            await _until(pilot, lambda: "synced" not in _status(app))
            status = _status(app)
            assert f"the cache file {path} was deleted; rebuilt" in status
            assert "sync never" in status  # not "synced 0s ago" from a file that is gone
            assert path.exists() and app.store is not store
            assert await app.store.clusters() == []
            # the new store is live: what is written to the path is what the screen reads
            app.store.writer.put_cluster("b")
            await app.store.writer.flush()
            assert [c.name for c in await app.store.clusters()] == ["b"]
            await _quiet(pilot)
    finally:
        await store.close()


async def test_a_truncated_cache_is_noticed_and_rebuilt(tmp_path):
    path = tmp_path / "cache.db"
    now = 1_800_000_000.0
    store = await _store(path, lambda: now)
    # every row into the main file, so truncating it loses them (raw SQL is store-private;
    # a test of the file's life may reach it)
    await store._fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
    try:
        app = FleetApp(store=store, clock=lambda: now, debounce=0.05)
        async with app.run_test(size=(160, 24)) as pilot:
            await wait_for_data(pilot)
            os.truncate(path, 0)
            await _until(pilot, lambda: app.cache_problem is not None and "rebuilt" in app.cache_problem)
            assert "was truncated" in _status(app)
            assert app.store is not store and await app.store.schema_version() > 0
            await _quiet(pilot)
    finally:
        await store.close()
