"""Pilot tests: the k9s habits, driven by key presses on a seeded fleet."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Tree

from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.registry import PANES, write_actions
from fleettui.tui.screens.cluster import ClusterScreen
from fleettui.tui.screens.help import HelpScreen
from tui.conftest import make_app, settle, wait_for_data


def shown_clusters(app) -> list[str]:
    return app.query_one(ClustersPane).table.shown_keys


async def test_first_frame_shows_the_cache(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        assert len(shown_clusters(app)) == 8
        assert shown_clusters(app)[0] == "edge-shenzhen"  # worst first
        header = str(app.query_one("#fleet-header").render())
        assert "clusters 5/8 ok" in header and "workloads 2/56 bad" in header  # 80 columns: short words


async def test_digits_and_tab_switch_panes(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.switcher.current == "topology"
        assert app.query_one("#topology-tree", Tree).root.children  # read on arrival
        await pilot.press("1")
        assert app.switcher.current == "clusters"
        await pilot.press("tab")
        assert app.switcher.current == "topology"
        await pilot.press("tab")
        assert app.switcher.current == "rollouts"
        await pilot.press("tab")
        assert app.switcher.current == "services"
        await pilot.press("tab")
        assert app.switcher.current == "dr"
        await pilot.press("tab")
        assert app.switcher.current == "metrics"
        await pilot.press("tab")
        assert app.switcher.current == "alerts"
        await pilot.press("tab")
        assert app.switcher.current == "clusters"  # wraps
        await pilot.press("shift+tab")
        assert app.switcher.current == "alerts"
        await pilot.press("5")
        assert app.switcher.current == "dr"
        await pilot.press("4", "enter")  # the services pane's detail screen, from the registry
        await settle(pilot)
        assert app.detail_screen is None  # no service in this cache: nothing to open


async def test_filter_help_and_escape(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("slash", *"hangzhou")
        assert shown_clusters(app) == ["ack-hangzhou-b", "ack-hangzhou-a", "ack-hangzhou-c"]
        await pilot.press("enter")  # keeps the filter, back to the table
        assert app.filter_input.has_class("visible") is False
        assert len(shown_clusters(app)) == 3
        await pilot.press("escape")
        assert len(shown_clusters(app)) == 8
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_filter_by_label_selector(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("slash", *"env!=prod")
        shown = shown_clusters(app)
        assert shown and len(shown) < 8
        rows = {r.name: r for r in app.query_one(ClustersPane)._rows}
        assert all(rows[n].labels.get("env") != "prod" for n in shown)
        assert "(label selector)" in str(app.query_one("#clusters-info").render())


async def test_sort_keys(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("N")
        assert shown_clusters(app) == sorted(shown_clusters(app))
        await pilot.press("N")
        assert shown_clusters(app) == sorted(shown_clusters(app), reverse=True)
        await pilot.press("A")  # last seen: the one not seen longest first
        assert shown_clusters(app)[0] == "edge-shenzhen"
        table = app.query_one(ClustersPane).table
        # the displayed order is the sorted order, not just the bookkeeping
        assert [r.key.value for r in table.ordered_rows] == shown_clusters(app)


async def test_enter_opens_the_cluster_and_escape_goes_back(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("N", "down", "enter")  # ack-hangzhou-b
        await settle(pilot)
        assert isinstance(app.screen, ClusterScreen)
        assert app.screen.cluster == "ack-hangzhou-b"
        unhealthy = app.screen.query_one("#cluster-unhealthy")
        assert unhealthy.shown_keys == ["ack-hangzhou-b/Deployment/shop/checkout"]
        assert len(app.screen.query_one("#cluster-nodes").shown_keys) == 3
        assert len(app.screen.query_one("#cluster-events").shown_keys) == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, ClusterScreen)


async def test_palette_jumps_to_a_cluster(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("colon")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"eks-us")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClusterScreen) and app.screen.cluster == "eks-us-west-2"


async def test_palette_jumps_to_a_namespace_in_the_topology(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("colon", *"paym@idc")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.switcher.current == "topology"
        tree = app.query_one("#topology-tree", Tree)
        assert tree.cursor_node is not None
        assert tree.cursor_node.data == "cluster:idc-beijing/ns:payments"


async def test_theme_switch(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        assert app.theme == "fleet-dark"
        await pilot.press("T", *"high")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "fleet-high-contrast"
        # cells are re-rendered in the new theme's colours
        health = app.query_one(ClustersPane).table.get_row("eks-us-west-2")[1]
        assert "#00ff00" in str(health.style).lower()


async def test_no_color_picks_monochrome(fleet_cache, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(fleet_cache)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        assert app.theme == "fleet-monochrome"


async def test_watch_mode_shows_no_action_keys(fleet_cache):
    app = make_app(fleet_cache, watch=True)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(pilot)
        assert app.read_only
        for spec in app.pane_specs:
            await pilot.press(spec.key)
            await settle(pilot)
            shown = {b.action for b in (ab.binding for ab in app.active_bindings.values()) if b.show}
            enabled = {key.binding.action for key in app.active_bindings.values() if key.enabled}
            assert not ({a.split("(")[0] for a in shown | enabled} & write_actions(PANES))
        assert "WATCH" in str(app.query_one("#status-bar").render())
        await pilot.press("question_mark")
        text = str(app.screen.query_one("#help-box").query("Static").last().render())
        assert "distribute" not in text and "roll back" not in text
        assert "watch mode" in str(app.screen.query_one("#help-note").render())
