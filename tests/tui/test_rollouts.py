"""The rollouts pane and the application screen; actions through the hub, refused
in read-only mode."""

from __future__ import annotations

import io
from contextlib import asynccontextmanager

from rich.console import Console

from fleettui.engine.hub_local import LocalHub
from fleettui.store import Store
from fleettui.store.apps import AppStore
from fleettui.tui.app import FleetApp
from fleettui.tui.panes.rollouts import RolloutsPane
from fleettui.tui.renderers import PLAIN
from fleettui.tui.rollout_renderers import placement_cells, progress_bar, step_rows
from fleettui.tui.screens.application import AppScreen
from fleettui.tui.screens.dialogs import Confirm
from tui.conftest import settle, wait_for_data
from tui.fleet_fixture import FROZEN_NOW


def _app(store: Store, **kw) -> FleetApp:
    hubs = []

    @asynccontextmanager
    async def hub_session(name: str):
        hub = LocalHub(AppStore(store, hub=name), read_only=kw.get("read_only", False),
                       clock=lambda: FROZEN_NOW)
        hubs.append(name)
        yield hub

    app = FleetApp(store=store, clock=lambda: FROZEN_NOW, debounce=0.05, hub_session=hub_session, **kw)
    app.hubs_opened = hubs
    return app


async def _actions_done(pilot) -> None:
    """Until no hub action worker is running (the store feed worker never ends)."""
    for _ in range(100):
        if not [w for w in pilot.app.workers if w.group == "action" and not w.is_finished]:
            return
        await pilot.pause(0.05)
    raise AssertionError("hub action still running")


async def _gate_phase(store: Store) -> str:
    rec = await AppStore(store).get_app("shop", "orders-api")
    return next(s["phase"] for s in rec.status["workflow"]["steps"] if s["name"] == "gate")


def test_step_rows():
    steps = [{"id": "a", "name": "group", "type": "step-group", "phase": "running",
              "subSteps": [{"id": "b", "name": "gate", "type": "suspend", "phase": "suspending"}]}]
    rows = step_rows(steps, PLAIN)
    assert [r[1][0].plain for r in rows] == ["group", "  gate"]
    assert rows[1][1][2].plain == "◐ suspending"
    assert progress_bar(1, 3) == "██░░░░ 1/3" and progress_bar(0, 0) == "-"


async def test_pane_lists_apps_and_the_matrix(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("3")
            await settle(pilot)
            pane = app.query_one(RolloutsPane)
            assert pane.table.shown_keys == ["local/platform/node-agent", "local/shop/orders-api"]
            row = pane.table.get_row("local/shop/orders-api")
            assert row[1].plain == "◐ workflowSuspending" and row[2].plain.endswith("1/3")
            console = Console(width=120, record=True, file=io.StringIO())
            console.print(pane.matrix)
            matrix = console.export_text()
            assert "✖ failed" in next(ln for ln in matrix.splitlines() if "idc-beijing" in ln)
            assert "idc-beijing" in matrix and "failed" in matrix  # the cluster's error, on its row
    finally:
        await store.close()


async def test_enter_opens_the_application(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("enter")  # node-agent, the first row
            await settle(pilot)
            assert isinstance(app.screen, AppScreen)
            placement = app.screen.query_one("#app-placement")
            failed = placement.get_row("idc-beijing")
            assert failed[1].plain == "✖ failed" and "422 Invalid" in failed[5].plain
            assert "→ 3" in placement.get_row("ack-hangzhou-b")[5].plain  # the override diff
            assert len(app.screen.query_one("#app-resources").shown_keys) == 3
            assert app.screen.query_one("#app-history").shown_keys == ["2", "1"]
            await pilot.press("tab")
            assert app.screen.query_one("#app-tabs").active == "tab-placement"
    finally:
        await store.close()


async def test_resume_the_gate_through_the_hub(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("down", "r")
            await _actions_done(pilot)
            await settle(pilot)
            assert app.hubs_opened == ["local"]
            # vela's resume: the gate is released (the engine finishes it on its next pass)
            assert await _gate_phase(store) == "running"
            rec = await AppStore(store).get_app("shop", "orders-api")
            assert rec.status["workflow"]["suspend"] is False
    finally:
        await store.close()


async def test_delete_asks_first(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("3")
            await settle(pilot)
            await pilot.press("down", "ctrl+d")
            assert isinstance(app.screen, Confirm)
            await pilot.press("n")
            await settle(pilot)
            assert app.hubs_opened == []
            assert not (await AppStore(store).get_app("shop", "orders-api")).deleting
    finally:
        await store.close()


async def test_read_only_hides_and_refuses_every_action(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store, read_only=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("3")
            await settle(pilot)
            shown = {b.binding.action for b in app.active_bindings.values()}
            assert not shown & {"app.distribute", "resume_step", "resume_all", "suspend", "rollback",
                                "delete_app"}
            await pilot.press("down", "r", "R", "S", "B", "ctrl+d", "d")
            await settle(pilot)
            app.query_one(RolloutsPane).action_resume_step()  # even when invoked directly
            pane = app.query_one(RolloutsPane)
            pane.post_message(RolloutsPane.Delete(pane.current()))  # the message itself: refused too
            await _actions_done(pilot)
            assert app.hubs_opened == []
            assert await _gate_phase(store) == "suspending"
            assert not (await AppStore(store).get_app("shop", "orders-api")).deleting
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, AppScreen)
            shown = {b.binding.action for b in app.active_bindings.values()}
            assert not shown & {"resume_step", "suspend", "rollback", "delete_app"}
    finally:
        await store.close()


def test_placement_cells_show_the_error_on_that_cluster():
    from fleettui.store.apps import PlacementRow

    row = PlacementRow("idc-beijing", "v2", "deploy-all", "failed", "422 Invalid: spec.x", None, [{}], [])
    cells = placement_cells(row, PLAIN)
    assert cells[1].plain == "✖ failed" and cells[5].plain == "422 Invalid: spec.x"


def test_a_skipped_placement_reads_as_a_problem_with_its_reason():
    from fleettui.store.apps import PlacementRow

    row = PlacementRow("idc-beijing", "v2", "deploy-all", "skipped", "skipped by the operator", None, [{}], [])
    cells = placement_cells(row, PLAIN)
    assert cells[1].plain.endswith("skipped") and not cells[1].plain.startswith("?")
    assert cells[5].plain == "skipped by the operator"


async def test_action_keys_in_read_only_and_watch_mode_say_so(fleet_cache):
    """A write key is hidden and refused in these modes; pressing it must not look broken:
    a notification and the status bar name the mode, and still nothing is written."""
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        for mode, word in (({"read_only": True}, "read-only mode"), ({"watch": True}, "watch mode (read-only)")):
            app = _app(store, **mode)
            async with app.run_test(size=(80, 24)) as pilot:
                await wait_for_data(pilot)
                await pilot.press("3")
                await settle(pilot)
                for key, what in (("r", "resume step"), ("ctrl+d", "delete"), ("D", "from selection")):
                    app.clear_notifications()
                    await pilot.press("down", key)
                    await settle(pilot)
                    [note] = list(app._notifications)
                    assert note.title == "read-only" and word in note.message and what in note.message
                    status = str(app.query_one("#status-bar").render())
                    assert f"read-only: {what} refused" in status
                assert not isinstance(app.screen, (Confirm, AppScreen))  # no dialog opened either
                await pilot.press("enter")  # the application screen: the same keys, the same answer
                await settle(pilot)
                assert isinstance(app.screen, AppScreen)
                app.clear_notifications()
                await pilot.press("S")
                await settle(pilot)
                [note] = list(app._notifications)
                assert "suspend" in note.message and word in note.message
                app._clear_refusal()
                assert "refused" not in str(app.query_one("#status-bar").render())
            assert app.hubs_opened == []
            assert await _gate_phase(store) == "suspending"
    finally:
        await store.close()
