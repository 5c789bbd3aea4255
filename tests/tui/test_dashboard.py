"""The dashboard entry against the simulator: the app runs the real sync in a worker,
shows what it writes, and a fault shows on that cluster's row, not as a crash."""

from __future__ import annotations

import argparse
import os
import urllib.request

import pytest
import yaml

from fleettui.cli.commands.demo import Simulation
from fleettui.cli.dashboard import build_app, make_hub_session
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.panes.rollouts import RolloutsPane
from fleettui.tui.screens.dialogs import Confirm, PathPrompt
from tui.apps_fixture import EXAMPLES, fill_apps
from tui.conftest import settle


def _args(kubeconfig, cache, **kw) -> argparse.Namespace:
    return argparse.Namespace(kubeconfig=str(kubeconfig), cache=str(cache), hub="hub",
                              fleet=None, context=None, **kw)


async def _wait_rows(pilot, want, limit=15.0):
    table = pilot.app.query_one(ClustersPane).table
    waited = 0.0
    while waited < limit:
        rows = {k: table.get_row(k) for k in table.shown_keys}
        if want(rows):
            return rows
        await pilot.pause(0.2)
        waited += 0.2
    raise AssertionError(f"timed out; rows: { {k: [c.plain for c in v] for k, v in rows.items()} }")


async def test_dashboard_syncs_the_fleet_and_shows_a_down_cluster(sim, kubeconfig_path, tmp_path):
    # read-only: the sync alone (no local hub engine beside it), which is what this is about
    app = build_app(_args(kubeconfig_path, tmp_path / "cache.db", read_only=True))
    app.debounce = 0.05
    async with app.run_test(size=(120, 30)) as pilot:
        seen = app.query_one(ClustersPane).table.visible_columns.index("seen")
        rows = await _wait_rows(pilot, lambda r: len(r) == 3 and all(
            c[seen].plain.endswith("s") and not c[seen].plain.startswith("stale") for c in r.values()))
        assert set(rows) == set(sim.cluster_names)  # the hub is not a member
        assert "hub" in str(app.query_one("#status-bar").render())
        down = sim.cluster_names[0]
        sim.faults.set(down, down="refuse")
        app.store.writer.probe(down, reachable=False, error="connection refused")  # as the next probe would
        await settle(pilot, 0.3)
        rows = await _wait_rows(pilot, lambda r: r[down][seen].plain.startswith("stale"))
        assert rows[down][1].plain == "✖ unhealthy"
        assert app.sync_error is None  # the sync keeps running; the fault is that cluster's

        # read-only: every action key on an application, and the actions invoked directly
        sim.faults.clear(down)
        await fill_apps(app.store)
        await pilot.press("3")
        await settle(pilot, 0.3)
        pane = app.query_one(RolloutsPane)
        assert pane.table.shown_keys
        for key in ("d", "r", "R", "S", "B", "ctrl+d", "enter", "r", "R", "S", "B", "ctrl+d", "escape"):
            await pilot.press(key)
        app.action_distribute()
        for message in (RolloutsPane.ResumeStep, RolloutsPane.ResumeAll, RolloutsPane.Suspend,
                        RolloutsPane.Rollback, RolloutsPane.Delete):
            pane.post_message(message(pane.current()))
        await settle(pilot, 0.3)
        assert not isinstance(app.screen, Confirm | PathPrompt)
    assert sim.mutations() == 0


async def test_read_only_hub_refuses_below_the_screen(sim, kubeconfig_path, tmp_path):
    """Even a hub opened for the dashboard in read-only mode refuses before writing."""
    from fleettui.engine.hub import ReadOnlyRefused

    args = _args(kubeconfig_path, tmp_path / "cache.db", read_only=True)
    async with make_hub_session(args)("local") as hub:
        with pytest.raises(ReadOnlyRefused):
            await hub.apply(yaml.safe_load((EXAMPLES / "canary.yaml").read_text()))
        with pytest.raises(ReadOnlyRefused):
            await hub.delete("shop", "orders-api")
    assert sim.mutations() == 0


async def test_watch_mode_flags(sim, kubeconfig_path, tmp_path):
    app = build_app(_args(kubeconfig_path, tmp_path / "cache.db", watch=True))
    assert app.watch_mode and app.read_only


def test_demo_simulation_starts_and_cleans_up():
    sim = Simulation(clusters=1)
    sim.start()
    try:
        assert sim.base_url and sim.base_url.startswith("http://127.0.0.1:")
        assert sim.kubeconfig.exists()
        with urllib.request.urlopen(f"{sim.base_url}/_admin/clusters", timeout=10) as resp:
            assert resp.status == 200  # it really serves
        pid = sim.proc.pid
    finally:
        sim.stop()
    assert sim.proc.poll() is not None
    assert not sim.dir.exists()
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
