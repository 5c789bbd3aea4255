"""The heap alive once the cached fleet is on screen is frozen for the collector (a full
collection walked all of it, ~100 ms on a key press at 1,000 clusters) and unfrozen
when the app ends, so an app run inside a longer process pins nothing."""

from __future__ import annotations

import gc

from fleettui.tui.app import FleetApp

from .fleet_fixture import fixture_store


async def test_the_startup_heap_is_frozen_while_the_app_runs(tmp_path) -> None:
    cache = tmp_path / "cache.db"
    store = await fixture_store(cache, clusters=20)
    await store.close()
    gc.unfreeze()
    app = FleetApp(store_path=cache, kubeconfig="~/.kube/config", hub="hub", debounce=0.05)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while app.first_data_at is None:
                await pilot.pause(0.01)
            await pilot.pause()
            await pilot.pause()
            assert gc.get_freeze_count() > 10_000
            # frozen once, not per refresh (frozen rows a refresh replaces are still freed)
            frozen = gc.get_freeze_count()
            await pilot.press("s")
            await pilot.pause(0.2)
            assert gc.get_freeze_count() <= frozen
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
