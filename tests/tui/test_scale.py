"""The dashboard with a large fleet: what keeps it responsive at hundreds of rows."""

from __future__ import annotations

import pytest

from fleettui.tui.panes import clusters as clusters_pane
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.panes.topology import COLLAPSE_ABOVE
from tui.conftest import make_app, settle, wait_for_data
from tui.fleet_fixture import fixture_store


@pytest.fixture
async def big_cache(tmp_path):
    path = tmp_path / "cache.db"
    store = await fixture_store(path, clusters=COLLAPSE_ABOVE + 30)
    await store.close()
    return path


async def test_a_large_fleet_topology_opens_collapsed_to_regions_with_counts(big_cache):
    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("2")
        await settle(pilot)
        tree = app.query_one("#topology-tree")
        regions = tree.root.children
        assert tree.root.is_expanded and len(regions) >= 4  # the 8 demo clusters add regions
        assert not any(r.is_expanded for r in regions)
        assert [r.label.plain for r in regions if r.children] == []  # nothing below built until opened
        assert all(" cluster" in r.label.plain for r in regions)  # "N clusters"
        # opening a region builds its zones, and only its
        regions[0].expand()
        await settle(pilot)
        assert regions[0].is_expanded and regions[0].children
        assert not regions[1].children


async def test_sorting_and_filtering_reuse_the_rendered_rows(big_cache, monkeypatch):
    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        calls = []
        real = clusters_pane.cluster_cells
        monkeypatch.setattr(clusters_pane, "cluster_cells", lambda *a: calls.append(1) or real(*a))
        pane = app.query_one(ClustersPane)
        # called directly: a timed refresh (new rows, rendered anew) cannot slip in between
        pane.action_cycle_sort()
        pane.action_sort("name")
        for i in range(1, len("hangzhou") + 1):
            pane.set_filter("hangzhou"[:i])
        assert pane.sort_by == "name" and len(pane.table.shown_keys) < COLLAPSE_ABOVE + 30
        assert calls == []


async def test_opening_a_cluster_tells_the_sync_to_watch_it(big_cache):
    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        name = app.query_one(ClustersPane).table.shown_keys[3]
        app.open_cluster(name)
        await pilot.pause()
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") == name


async def test_the_sync_focus_follows_the_cluster_screen(big_cache):
    """Enter on a row sets `sync.focus`; leaving the screen (Esc, a pane key) clears it, so
    the sync goes back to polling clusters nobody looks at (it was never cleared)."""
    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        table = app.query_one(ClustersPane).table
        await pilot.press("down", "enter")
        await pilot.pause()
        name = table.shown_keys[1]
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") == name
        await pilot.press("escape")
        await pilot.pause()
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") is None
        # another cluster from the palette's path, then away by a pane key
        other = table.shown_keys[5]
        app.open_cluster(other)
        await pilot.pause()
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") == other
        await pilot.press("2")
        await pilot.pause()
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") is None
        # one cluster screen replaced by another: the focus is the new one's
        app.open_cluster(name)
        await pilot.pause()
        app.open_cluster(other)
        await pilot.pause(0.1)
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") == other


async def test_quitting_with_a_cluster_open_clears_the_sync_focus(big_cache):
    from fleettui.store import Store

    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        name = app.query_one(ClustersPane).table.shown_keys[2]
        app.open_cluster(name)
        await pilot.pause()
        await app.store.writer.flush()
        assert await app.store.meta("sync.focus") == name
    store = await Store.open(big_cache)
    try:
        assert await store.meta("sync.focus") is None
    finally:
        await store.close()
