"""Actions as typed messages, the pane registry, and failures said on screen."""

from __future__ import annotations

import argparse
import asyncio

from fleettui.cli.dashboard import build_app
from fleettui.cli.main import main
from fleettui.sim.mcs import EXPORTS
from fleettui.store import Store
from fleettui.tui.panes.base import Pane
from fleettui.tui.panes.services import ServicesPane
from fleettui.tui.registry import PANES, PaneSpec, help_sections, write_actions
from fleettui.tui.screens.dialogs import Confirm, ServiceActionPrompt
from fleettui.tui.screens.service import ServiceScreen
from tui.conftest import make_app, settle, wait_for_data


class BrokenPane(Pane):
    pane_id = "broken"
    title = "Broken"

    @staticmethod
    async def fetch(store: Store) -> None:
        raise RuntimeError("disk I/O error")

    def show(self, data, now, palette) -> None:
        raise AssertionError("nothing was read")


async def test_a_failed_worker_is_said_not_left_as_stale_data(fleet_cache):
    app = make_app(fleet_cache, panes=[PaneSpec("broken", "Broken", "1", BrokenPane)])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        notes = [n for n in app._notifications if n.severity == "error"]
        assert notes and notes[0].title == "reading the cache failed" and "disk I/O error" in notes[0].message
        assert "reading the cache failed" in str(app.query_one("#status-bar").render())


def test_the_registry_gives_keys_help_and_write_actions():
    assert [s.key for s in PANES] == ["1", "2", "3", "4", "5", "6", "7"]
    assert {"export", "unexport", "import", "resume_step", "delete_app", "distribute"} <= write_actions(PANES)
    # the metrics pane reads and exports to a local file: nothing it does writes to a cluster
    assert not write_actions([s for s in PANES if s.id in ("topology", "metrics")])
    # the clusters pane's writes are the membership actions on the hub; its registration view reads
    assert write_actions([s for s in PANES if s.id == "clusters"]) == {
        "accept", "deny", "taint", "untaint", "hub_label", "clusterset", "detach"}
    sections = dict(help_sections(PANES))
    assert sections["Anywhere"][0][0] == "1 2 3 4 5 6 7"
    assert ("e", "export the service from a cluster (creates its ServiceExport)", True) in sections["Services"]


async def test_service_keys_are_refused_in_read_only_mode(services_cache):
    app = make_app(services_cache, read_only=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("4")
        await settle(pilot)
        for key, what in (("e", "export"), ("i", "import"), ("U", "unexport")):
            app.clear_notifications()
            await pilot.press(key)
            [note] = list(app._notifications)
            assert note.title == "read-only" and what in note.message
        pane = app.query_one(ServicesPane)
        pane.post_message(ServicesPane.Export(pane.current()))  # the message itself is refused too
        await settle(pilot)
        assert not isinstance(app.screen, ServiceActionPrompt | Confirm)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen)
        assert "analysis: oldest export" in str(app.screen.query_one("#service-detail").render())


def _args(kubeconfig, cache) -> argparse.Namespace:
    return argparse.Namespace(kubeconfig=str(kubeconfig), cache=str(cache), hub="hub", fleet=None, context=None,
                              read_only=False)


async def test_unexport_from_the_services_pane_after_the_preview(sim, kubeconfig_path, tmp_path):
    c0, c1, _ = sim.cluster_names
    await sim.advance(20)
    cache = tmp_path / "cache.db"
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("hub: hub\n")
    # the CLI runs its own event loop; the simulator keeps serving from this one
    rc = await asyncio.to_thread(main, ["sync", "--once", "--kubeconfig", str(kubeconfig_path),
                                        "--fleet", str(fleet), "--cache", str(cache)])
    assert rc == 0
    assert sim.cluster(c1).get(EXPORTS, "shop", "catalog") is not None

    app = build_app(_args(kubeconfig_path, cache))
    app.debounce = 0.05
    app.sync_thread = None  # the cache above is enough; no background sync in this test
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("4")
        await settle(pilot)
        pane = app.query_one(ServicesPane)
        pane.table.move_cursor(row=pane.table.shown_keys.index("shop/catalog"))
        await pilot.press("U")
        await pilot.pause()
        assert isinstance(app.screen, ServiceActionPrompt)
        app.screen.query_one("#service-cluster").value = c1  # the one in conflict
        await pilot.press("enter")
        for _ in range(60):
            if isinstance(app.screen, Confirm):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, Confirm)
        assert f"unexport shop/catalog in {c1}" in str(app.screen.query_one(".dialog-title").render())
        body = str(app.screen.query_one(".dialog-body Static").render())
        assert "8443/TCP (grpc)" in body  # the port leaving the union, from the preview
        await pilot.press("y")
        for _ in range(100):
            if sim.cluster(c1).get(EXPORTS, "shop", "catalog") is None:
                break
            await pilot.pause(0.05)
        assert any(f"deleted in {c1}" in n.message for n in app._notifications)
    assert sim.cluster(c1).get(EXPORTS, "shop", "catalog") is None
    assert sim.cluster(c0).get(EXPORTS, "shop", "catalog") is not None
