"""SVG snapshots of the hub registration screen and the membership dialogs at 80x24 and
160x48, on the seeded fleet (frozen clock) and a fixed registration view: the screen's
rendering is pinned here, its reading of a real hub in test_membership_sim.py.

Regenerate with `pytest tests/tui/test_membership_snapshots.py --snapshot-update` and look at
the SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from fleettui.engine.membership import JoinRequest
from fleettui.engine.registration import (
    ClusterSetRow,
    PlacementView,
    RegistrationView,
    detach_consequences,
)
from fleettui.tui.app import palette_for
from fleettui.tui.membership_actions import detach_confirmation
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.screens.registration import RegistrationScreen
from tui.conftest import make_app, settle, wait_for_data

SIZES = [(80, 24), (160, 48)]

VIEW = RegistrationView(
    hub="hub",
    clustersets=(
        ClusterSetRow("default", "label clusterset=default",
                      ("ack-hangzhou-a", "ack-hangzhou-b", "ack-shanghai-a", "edge-shenzhen")),
        ClusterSetRow("global", "selector everything",
                      ("ack-hangzhou-a", "ack-hangzhou-b", "ack-shanghai-a", "edge-shenzhen", "idc-beijing")),
        ClusterSetRow("retail-edge", "label clusterset=retail-edge", ()),
    ),
    placements=(
        PlacementView("default", "ack-clusters", ("default",), None, "True", "All cluster decisions scheduled",
                      (("ack-hangzhou-a", "in set default; matches fleettui.io/provider=ack"),
                       ("ack-shanghai-a", "in set default; matches fleettui.io/provider=ack")),
                      (("ack-hangzhou-b", "tainted maintenance=true:NoSelect (not tolerated)"),
                       ("edge-shenzhen", "does not match the predicates"))),
        PlacementView("shop", "two-regions", ("global",), 3, "False",
                      "2 cluster decisions scheduled, 1 unscheduled",
                      (("ack-hangzhou-a", "in set global"), ("idc-beijing", "in set global")), ()),
    ),
    pending=(
        JoinRequest("edge-shenzhen-2", False, "edge-shenzhen-2-k7x2p", "pending",
                    "system:open-cluster-management:edge-shenzhen-2:agent", "2026-12-01T09:12:00Z"),
        JoinRequest("edge-guangzhou", False, "edge-guangzhou-q9m4d", "denied",
                    "system:open-cluster-management:edge-guangzhou:agent", "2026-12-01T08:40:00Z"),
    ),
)


@asynccontextmanager
async def no_hub():
    raise AssertionError("the snapshots never reach a hub")
    yield  # pragma: no cover


def app_with_hub(cache):
    return make_app(cache, hub_client=no_hub)


async def _ready(pilot) -> None:
    await wait_for_data(pilot)
    await settle(pilot, 0.1)


async def _load() -> RegistrationView:
    return VIEW


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_registration_screen(snap_compare, fleet_cache, size):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        pilot.app.push_screen(RegistrationScreen(_load, palette_for(pilot.app)))
        await pilot.pause(0.2)
        pilot.app.screen.show_tab("tab-placements")
        await pilot.pause(0.1)

    assert snap_compare(app_with_hub(fleet_cache), terminal_size=size, run_before=run_before)


def _register(cache, name: str, hub_state: dict) -> None:
    """A cluster the hub manages, in the cache as the sync writes it (the fixture fleet has none)."""
    import asyncio

    from fleettui.store import Store

    async def put() -> None:
        store = await Store.open(cache)
        store.writer.put_cluster(name, context=None, provider="edge", region="cn-shenzhen", hub_state=hub_state)
        await store.writer.flush()
        await store.close()

    asyncio.run(put())


async def _select(pilot, name: str) -> None:
    pane = pilot.app.query_one(ClustersPane)
    keys = [r.key.value for r in pane.table.ordered_rows]
    pane.table.move_cursor(row=keys.index(name))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_taint_form(snap_compare, fleet_cache, size):
    _register(fleet_cache, "edge-shenzhen-2", {"state": "available", "accepted": True, "joined": True,
                                               "clusterset": "default"})

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await _select(pilot, "edge-shenzhen-2")
        await pilot.press("t")
        await pilot.pause(0.2)
        await pilot.press(*"maintenance", "tab", "t", "r", "u", "e")
        await pilot.pause(0.1)

    assert snap_compare(app_with_hub(fleet_cache), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_detach_confirmation(snap_compare, fleet_cache, size):
    """What stops being managed: the hub objects (as `membership.detach_plan` words them)
    and, from the cache, the applications placed there and its workloads."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        app = pilot.app
        name = "ack-hangzhou-a"
        plan = [f"ManagedCluster {name} (OCM stops managing it: no placements, addons or manifests)",
                f"KubeVela cluster secret vela-system/{name} (applications stop deploying to it; the "
                "hub's Cluster Gateway no longer reaches it)"]
        title, body = detach_confirmation(name, plan, await detach_consequences(app.store, name))
        app._confirm(title, body, "Detach", lambda: None)
        await pilot.pause(0.2)

    assert snap_compare(app_with_hub(fleet_cache), terminal_size=size, run_before=run_before)


def test_accept_confirmation(snap_compare, fleet_cache):
    """Accept names the CSRs it approves and who asked for them."""
    _register(fleet_cache, "edge-shenzhen-2", {
        "state": "pending acceptance", "accepted": False, "joined": False, "pending_csrs": 1,
        "csrs": [{"name": "edge-shenzhen-2-k7x2p", "state": "pending",
                  "requestor": "system:open-cluster-management:edge-shenzhen-2:agent"}]})

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await _select(pilot, "edge-shenzhen-2")
        await pilot.press("a")
        await pilot.pause(0.2)

    assert snap_compare(app_with_hub(fleet_cache), terminal_size=(80, 24), run_before=run_before)


async def test_a_cluster_without_a_managed_cluster_is_refused_before_any_hub_call(fleet_cache):
    app = app_with_hub(fleet_cache)  # no_hub raises if the hub is reached
    async with app.run_test(size=(120, 36)) as pilot:
        await _ready(pilot)
        for key in ("a", "x", "t", "u", "c"):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause(0.1)
            assert len(app.screen_stack) == 1, key
            [note] = app._notifications
            assert "has no ManagedCluster on hub hub (as last synced)" in note.message, key
