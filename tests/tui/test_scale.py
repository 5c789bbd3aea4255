"""The dashboard with a large fleet: what keeps it responsive at hundreds of rows."""

from __future__ import annotations

import pytest

from fleettui.tui.panes import clusters as clusters_pane
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.panes.topology import COLLAPSE_ABOVE, TopologyPane
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


async def _focus_becomes(pilot, expected: str | None, *, limit: float = 5.0) -> str | None:
    """`sync.focus` once it is `expected`, or as it is after `limit` seconds (the screen
    change is handled by messages, then written by the store's writer)."""
    app = pilot.app
    value = None
    for _ in range(int(limit / 0.05)):
        await pilot.pause(0.05)
        await app.store.writer.flush()
        value = await app.store.meta("sync.focus")
        if value == expected:
            break
    return value


async def test_the_sync_focus_follows_the_cluster_screen(big_cache):
    """Enter on a row sets `sync.focus`; leaving the screen (Esc, a pane key) clears it, so
    the sync goes back to polling clusters nobody looks at (it was never cleared)."""
    from fleettui.tui.screens.cluster import ClusterScreen

    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        table = app.query_one(ClustersPane).table
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClusterScreen)
        name = app.screen.cluster
        assert await _focus_becomes(pilot, name) == name
        await pilot.press("escape")
        assert await _focus_becomes(pilot, None) is None
        # another cluster from the palette's path, then away by a pane key
        other = table.shown_keys[5]
        app.open_cluster(other)
        assert await _focus_becomes(pilot, other) == other
        await pilot.press("2")
        assert await _focus_becomes(pilot, None) is None
        # one cluster screen replaced by another: the focus is the new one's
        app.open_cluster(name)
        await pilot.pause()
        app.open_cluster(other)
        await pilot.pause(0.1)
        assert await _focus_becomes(pilot, other) == other
        await settle(pilot)  # and it stays so: the first screen's late unmount does not clear it
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


async def test_a_large_fleet_topology_reads_an_outline_and_only_the_clusters_opened(big_cache, monkeypatch):
    """`2` on a large fleet never reads every cluster's namespaces, workloads and nodes
    (it did, on the UI loop: the slowest key at 1,000 clusters): the outline, then the
    subtree of each cluster the user opens, and no more once it is closed."""
    from fleettui.store import Store

    full_reads = []
    real_topology = Store.topology
    monkeypatch.setattr(Store, "topology", lambda self: full_reads.append(1) or real_topology(self))
    opened_reads: list[list[str]] = []
    real_outline = Store.topology_outline
    monkeypatch.setattr(Store, "topology_outline",
                        lambda self, opened=(): opened_reads.append(sorted(opened)) or real_outline(self, opened))
    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("2")
        await settle(pilot)
        pane = app.query_one(TopologyPane)
        tree = pane.tree
        assert opened_reads and opened_reads[-1] == []
        region = next(r for r in tree.root.children if r.data == "region:cn-hangzhou")
        region.expand()
        await settle(pilot)
        zone = region.children[0]
        zone.expand()
        await settle(pilot)
        cluster = next(c for c in zone.children if c.data.startswith("cluster:member-"))
        assert cluster.allow_expand and not cluster.children  # it has a subtree, not read yet
        name = cluster.data.removeprefix("cluster:")
        cluster.expand()
        await settle(pilot)
        assert opened_reads[-1] == [name]
        below = [c.data for c in cluster.children]
        assert f"cluster:{name}/nodes" in below and f"cluster:{name}/ns:shop" in below
        cluster.collapse()
        await pilot.press("ctrl+r")  # any later refresh
        await settle(pilot)
        assert opened_reads[-1] == []
        assert full_reads == []


async def test_a_large_fleet_topology_jumps_to_a_namespace_and_expands_problems(big_cache):
    app = make_app(big_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        # a jump (the palette's) into a cluster whose subtree is not read yet
        app.jump_to_namespace("member-042", "shop")
        await settle(pilot)
        await settle(pilot)
        tree = app.query_one(TopologyPane).tree
        assert tree.cursor_node is not None and tree.cursor_node.data == "cluster:member-042/ns:shop"
        # E reads the clusters with problems and opens them down to the problem
        await pilot.press("E")
        await settle(pilot)
        await settle(pilot)
        broken = tree.root
        while broken.children and any(c.is_expanded for c in broken.children):
            broken = next(c for c in broken.children if c.is_expanded)
        assert broken.data.startswith("cluster:") and "/" in broken.data  # below a cluster
        assert broken.label.plain[0] in "▲✖"


async def test_a_refresh_re_renders_the_rows_on_screen_and_those_that_changed(big_cache, monkeypatch):
    """A tick (ages move on, no data changed) re-rendered all 1,000 rows every 5 s; now
    only the rows on screen are, and a row scrolled into view is brought up to date."""
    from tui.fleet_fixture import FROZEN_NOW

    now = [FROZEN_NOW]
    app = make_app(big_cache, clock=lambda: now[0])
    async with app.run_test(size=(120, 16)) as pilot:
        await wait_for_data(pilot)
        pane = app.query_one(ClustersPane)
        calls: list[str] = []
        real = clusters_pane.cluster_cells
        monkeypatch.setattr(clusters_pane, "cluster_cells",
                            lambda row, *a, **k: calls.append(row.name) or real(row, *a, **k))
        now[0] += 90.0
        app.action_refresh_now()
        await settle(pilot)
        rows = COLLAPSE_ABOVE + 30
        height = pane.table.size.height
        assert 0 < len(calls) <= 3 * height < rows
        first = pane.table.shown_keys[0]
        assert pane._cells[first][1] == now[0]
        last = pane.table.shown_keys[-1]
        assert pane._cells[last][1] < now[0]  # off screen: not rendered again
        await pilot.press("ctrl+end")  # the last row
        await settle(pilot)
        assert pane._cells[last][1] == now[0]  # scrolled into view: up to date
        # a row whose data changed is rendered again wherever it is
        calls.clear()
        app.store.writer.probe(first, reachable=False, error="refused")
        await app.store.writer.flush()
        await settle(pilot)
        assert first in calls


async def test_a_large_fleet_shows_its_first_screen_then_every_row(tmp_path, monkeypatch):
    """The warm first frame of a large fleet: the rows on screen rendered first, the rest
    right after that frame is painted (rendering 1,000 rows held the first frame)."""
    path = tmp_path / "cache.db"
    store = await fixture_store(path, clusters=clusters_pane.FIRST_SCREEN_ABOVE + 40)
    await store.close()
    shown_first: list[int] = []
    real = ClustersPane.show

    def show(self, *a):
        real(self, *a)
        shown_first.append(len(self.table.shown_keys))

    monkeypatch.setattr(ClustersPane, "show", show)
    app = make_app(path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        table = app.query_one(ClustersPane).table
        assert shown_first[0] < 3 * table.size.height < clusters_pane.FIRST_SCREEN_ABOVE
        assert len(table.shown_keys) == clusters_pane.FIRST_SCREEN_ABOVE + 40
        rows = app.query_one(ClustersPane)._view
        assert table.shown_keys == [r.key for r in rows]
