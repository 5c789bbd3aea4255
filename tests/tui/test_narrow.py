"""The dashboard in small terminals (80x24, 60x20): every header figure keeps its
word, the status bar keeps the path of a moved-aside cache, the clusters table needs
no sideways scrolling, and the distribute dialog's lists work by keyboard and
without colour."""

from __future__ import annotations

import os

from textual.widgets import SelectionList

from fleettui.store import Store
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.widgets.bars import FleetHeader, StatusBar
from tui.conftest import make_app, settle, wait_for_data
from tui.fleet_fixture import FROZEN_NOW
from tui.test_distribute import _open_dialog
from tui.test_rollouts import _app


def _lines(widget) -> list[str]:
    return str(widget.render()).split("\n")


async def test_80x24_header_keeps_every_figure(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        header = app.query_one(FleetHeader)
        summary = app._summary
        assert summary.pods_pending  # the fixture has pending pods: they must show
        (line,) = _lines(header)
        assert len(line) <= header.content_region.width
        assert f"pods {summary.pods_pending} pend {summary.pods_failed} fail" in line
        assert f"workloads {summary.workloads_unhealthy}/{summary.workloads_total} bad" in line
        assert f"nodes {summary.nodes_ready}/{summary.nodes_total}" in line


async def test_80x24_clusters_table_needs_no_sideways_scrolling(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        table = app.query_one(ClustersPane).table
        assert table.virtual_size.width <= table.scrollable_content_region.width, (
            "the clusters table scrolls sideways at 80 columns")
        headers = [str(c.label) for c in table.ordered_columns]
        assert headers[:7] == ["NAME", "HEALTH", "NODES", "CPU REQ", "CPU USED", "MEM REQ", "MEM USED"]
        # widening the terminal brings the dropped columns back, cursor kept on its row
        await pilot.press("down", "down")
        key = table.current_key
        await pilot.resize_terminal(160, 40)
        await settle(pilot)
        assert "version" in table.visible_columns and "where" in table.visible_columns
        assert table.current_key == key


async def test_60x20_header_keeps_the_word_of_every_figure(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        header = app.query_one(FleetHeader)
        s = app._summary
        lines = _lines(header)
        assert all(len(line) <= header.content_region.width for line in lines), lines
        assert header.size.height == len(lines) == 2  # wrapped, not cut
        text = " ".join(lines)
        assert f"workloads {s.workloads_unhealthy}/{s.workloads_total} unhealthy" in text
        assert f"pods {s.pods_pending} pending {s.pods_failed} failed" in text
        assert f"clusters {s.clusters_healthy}/{s.clusters_total} healthy" in text
        table = app.query_one(ClustersPane).table
        assert table.visible_columns[:2] == ("name", "health")


async def test_80x24_status_bar_keeps_the_moved_cache_path(tmp_path):
    deep = tmp_path / "home" / "operator-with-a-long-name" / ".cache" / "fleettui"
    deep.mkdir(parents=True)
    cache = deep / "cache.db"
    cache.write_bytes(os.urandom(8192))  # not SQLite: really corrupt
    app = make_app(cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        moved = str(app.store.recovered_from)
        assert len(moved) > 80  # the whole path cannot fit the bar
        bar = app.query_one(StatusBar)
        (line,) = _lines(bar)
        assert len(line) <= bar.content_region.width
        assert "cache moved to" in line
        assert moved.rpartition("/")[2] in line  # the file name whole, the directory shortened
        # the whole path in a notification
        assert any(moved in n.message for n in app._notifications)


async def test_distribute_lists_pick_with_space_at_once_and_mark_without_colour(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot)
            targets = dialog.query_one("#targets", SelectionList)
            # source, namespace, resources, targets: no arrow key pressed
            await pilot.press("tab", "tab", "tab")
            assert app.focused is targets
            await pilot.press("space")
            assert targets.selected == [targets.get_option_at_index(0).value]
            first, second = (targets.render_line(y).text for y in (0, 1))
            assert first.startswith("[x] ") and second.startswith("[ ] "), (first, second)
            await pilot.press("space")  # and unpicks
            assert targets.selected == []
            assert targets.render_line(0).text.startswith("[ ] ")
    finally:
        await store.close()
