"""The panes follow the store: updated by diff, never rebuilt; expansion kept."""

from __future__ import annotations

from textual.widgets import Tree

from fleettui.store import Store
from fleettui.tui.app import FleetApp
from fleettui.tui.panes.clusters import ClustersPane
from tui.conftest import settle, wait_for_data
from tui.fleet_fixture import FROZEN_NOW


def _app(store: Store) -> FleetApp:
    return FleetApp(store=store, clock=lambda: FROZEN_NOW, debounce=0.05)


async def test_clusters_table_is_updated_by_diff(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(120, 24)) as pilot:
            await wait_for_data(pilot)
            table = app.query_one(ClustersPane).table
            await pilot.press("N", "down", "down")  # cursor on ack-hangzhou-c
            assert table.current_key == "ack-hangzhou-c"
            kept = table.get_row("idc-beijing")
            added, removed, updated = [], [], []
            real_add, real_remove, real_update = table.add_row, table.remove_row, table.update_cell
            table.add_row = lambda *a, **k: (added.append(k.get("key")), real_add(*a, **k))[1]
            table.remove_row = lambda key: (removed.append(key), real_remove(key))[1]
            table.update_cell = lambda key, col, *a, **k: (updated.append((key, col)), real_update(key, col, *a, **k))[1]

            store.writer.put_cluster("aks-eastus", context="aks-eastus", provider="aks", region="eastus")
            store.writer.remove_cluster("eks-us-west-2")
            store.writer.probe("ack-shanghai-a", reachable=False, error="connection refused")
            await store.writer.flush()
            await settle(pilot)

            assert added == ["aks-eastus"]
            assert removed == ["eks-us-west-2"]
            assert {key for key, _ in updated} == {"ack-shanghai-a"}
            assert ("ack-shanghai-a", "seen") in updated and ("ack-shanghai-a", "health") in updated
            assert table.get_row("idc-beijing") == kept  # untouched rows keep their cells
            assert table.current_key == "ack-hangzhou-c"  # the cursor stays on its cluster
            assert "eks-us-west-2" not in table.shown_keys
    finally:
        await store.close()


async def test_topology_keeps_what_the_user_expanded(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("2")
            await settle(pilot)
            tree = app.query_one("#topology-tree", Tree)
            pane = app.query_one("#topology")
            assert pane.select_key("cluster:idc-beijing/ns:shop")
            await pilot.pause()
            ns_node = tree.cursor_node
            ns_node.expand()
            await pilot.pause()
            cluster_node = ns_node.parent
            assert cluster_node.is_expanded and ns_node.is_expanded

            # a workload breaks in that namespace: the label changes at every level above it
            store.writer.upsert("idc-beijing", "Deployment", {
                "namespace": "shop", "name": "frontend", "ready": 0, "desired": 2,
                "health": "unhealthy", "message": "0 of 2 ready"})
            await store.writer.flush()
            await settle(pilot)

            assert tree.cursor_node is ns_node  # same node object: not rebuilt
            assert ns_node.is_expanded and cluster_node.is_expanded
            assert ns_node.label.plain.startswith("✖")
            # the cluster level is the cluster rule: a broken workload makes it degraded
            assert cluster_node.label.plain.startswith("▲")
            assert tree.root.label.plain[0] in "▲✖"
            assert "1 unhealthy" in cluster_node.parent.parent.label.plain  # region counts it
    finally:
        await store.close()


async def test_refresh_skipped_under_a_modal(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(120, 24)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("question_mark")
            starts = []
            real = app._refresh_worker
            app._refresh_worker = lambda targets: (starts.append(1), real(targets))[1]
            store.writer.probe("idc-beijing", reachable=False, error="refused")
            await store.writer.flush()
            await pilot.pause(0.4)
            assert starts == []  # nothing is read while the help covers the screen
            await pilot.press("escape")
            await settle(pilot, 0.7)
            assert starts  # and the change is shown once it closes
            table = app.query_one(ClustersPane).table
            row = table.get_row("idc-beijing")
            assert row[table.visible_columns.index("seen")].plain.startswith("stale")
    finally:
        await store.close()


async def test_cached_fleet_is_shown_before_the_sync_starts(fleet_cache):
    """The first frame is the cache: the sync (network) starts only after it is shown,
    on its own thread, with its own connection to the store."""
    import asyncio
    import threading
    import time

    started: dict[str, object] = {}

    async def run_sync(store, notice) -> None:
        started["at"] = time.perf_counter()
        started["thread"] = threading.current_thread().name
        started["own_store"] = store is not app.store
        await asyncio.sleep(3600)  # a sync that never finishes, like a real one

    app = FleetApp(store_path=fleet_cache, clock=lambda: FROZEN_NOW, debounce=0.05, run_sync=run_sync)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        for _ in range(40):
            if "at" in started:
                break
            await pilot.pause(0.05)
        assert app.first_data_at is not None and "at" in started
        assert app.first_data_at < started["at"]
        assert started["thread"] == "fleet-sync" and started["own_store"] is True
        assert len(app.query_one(ClustersPane).table.shown_keys) == 8
    # quitting cancelled the sync and joined its thread
    assert app.sync_thread is not None and app.sync_thread.started and not app.sync_thread.alive
