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
