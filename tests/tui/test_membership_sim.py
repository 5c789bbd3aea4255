"""Membership on the hub from the dashboard, end to end on the simulator through the hub
only (no member contexts): a joining member accepted from the clusters pane becomes
Joined/Available; taint then untaint through the forms; detach after a confirmation that
names what stops being managed; the registration screen; read-only refuses every action
with zero mutating requests at the simulator, even when the app's own check is bypassed."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

import pytest
from textual.widgets import Input, Select

from fleettui.config import mode
from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine import membership
from fleettui.kube import ClusterClient
from fleettui.sim import Simulator
from fleettui.store import REDISCOVER_META, Store
from fleettui.sync import FleetSync
from fleettui.sync.discovery import discover_members
from fleettui.sync.rediscovery import reloading_discovery
from fleettui.tui.app import FleetApp
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.screens.dialogs import Confirm
from fleettui.tui.screens.membership_dialogs import TaintForm, UntaintForm
from fleettui.tui.screens.registration import RegistrationScreen
from tui.conftest import settle

MANAGED = "managedclusters.cluster.open-cluster-management.io"
DECISIONS = "placementdecisions.cluster.open-cluster-management.io"


@pytest.fixture
async def sim():
    s = Simulator(clusters=2, seed="demo", rng_seed=0, joining=1)
    s.clock.freeze()
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
def kc_path(sim, tmp_path):
    return sim.write_kubeconfig(tmp_path / "hub-only", access="hub-only")


@pytest.fixture
async def store(tmp_path):
    s = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    yield s
    await s.close()


async def sync(store, kc_path) -> None:
    """One discovery and sync, as the dashboard's sync thread does every 30 s."""
    kubeconfig = load_kubeconfig(str(kc_path))
    found = await discover_members(kubeconfig, None, None, read_only=True, hub_context="hub")
    await FleetSync(store, list(found), kubeconfig=kubeconfig, timeout=3.0).sync_once()


def hub_clients(kc_path, *, read_only=False):
    @asynccontextmanager
    async def hub_client():
        client = ClusterClient.from_kubeconfig(load_kubeconfig(str(kc_path)), context="hub",
                                               read_only=read_only, timeout=3.0)
        try:
            yield client
        finally:
            await client.close()

    return hub_client


def conditions(sim, name):
    mc = sim.hub.get(MANAGED, None, name)
    return {c["type"]: c["status"] for c in (mc.get("status") or {}).get("conditions") or []}


async def until(pilot, check, what, limit=10.0):
    waited = 0.0
    while not check():
        if waited > limit:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)
        waited += 0.05


async def actions_done(pilot) -> None:
    await until(pilot, lambda: not [w for w in pilot.app.workers if w.group == "action" and w.is_running],
                "the action")
    await pilot.pause()


async def select_cluster(pilot, name: str) -> None:
    pane = pilot.app.query_one(ClustersPane)
    await until(pilot, lambda: name in [k.value for k in pane.table.rows], f"row {name}")
    keys = [r.key.value for r in pane.table.ordered_rows]
    pane.table.move_cursor(row=keys.index(name))
    pane.focus_table()
    await pilot.pause()
    assert pane.current().name == name


def app_on(store, kc_path, sim, **kwargs):
    return FleetApp(store=store, clock=sim.clock.now, debounce=0.05, hub="hub", **kwargs)


def errors_of(app):
    return [f"{n.title}: {n.message}" for n in app._notifications if n.severity == "error"]


async def test_a_joining_member_accepted_from_the_clusters_pane_joins(sim, kc_path, store):
    await sync(store, kc_path)
    assert (await store.cluster("joining-1")).hub["state"] == "pending acceptance"
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await select_cluster(pilot, "joining-1")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
        body = str(app.screen._body)
        assert "approve CSR joining-1-" in body and "hubAcceptsClient: true" in body
        await pilot.press("y")
        await actions_done(pilot)
        assert not errors_of(app)
        await sim.advance(1)
        assert conditions(sim, "joining-1") == {"HubAcceptedManagedCluster": "True",
                                                "ManagedClusterJoined": "True",
                                                "ManagedClusterConditionAvailable": "True"}
        await sync(store, kc_path)
        await settle(pilot, 0.2)
        row = await store.cluster("joining-1")
        assert row.hub["state"] == "available" and row.reachable and row.access == "gateway"
        assert not await store.pending_joins()


def sync_thread_runner(kc_path, running: list):
    """The dashboard's sync thread as `cli.dashboard.make_sync_runner` builds it (its
    discovery re-reads the kubeconfig and asks the hub; 30 s between re-discoveries).
    `running` gets the FleetSync once its first discovery is done."""
    async def run_sync(store, notice):
        discover = reloading_discovery(str(kc_path), None, None, hub="hub", request_timeout=3.0)
        members, kubeconfig = await discover()
        fleet = FleetSync(store, list(members), kubeconfig=kubeconfig, timeout=3.0, prune=True,
                          discover=discover, rediscover_interval=30.0)
        running.append(fleet)
        await fleet.run()

    return run_sync


def hub_cell(app, name: str) -> str:
    table = app.query_one(ClustersPane).table
    labels = [str(c.label).strip() for c in table.ordered_columns]
    return str(table.get_row(name)[labels.index("HUB")])


async def test_the_hub_column_follows_an_accept_at_once_with_the_sync_running(sim, kc_path, store):
    await sync(store, kc_path)
    running: list[FleetSync] = []
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path),
                 run_sync=sync_thread_runner(kc_path, running))
    async with app.run_test(size=(260, 48)) as pilot:  # wide enough for the HUB column
        await settle(pilot)
        # the sync's own first discovery is over (it must not be what sees the accept)
        await until(pilot, lambda: running and running[0]._group is not None, "the sync running")
        await pilot.pause(0.5)
        await select_cluster(pilot, "joining-1")
        assert hub_cell(app, "joining-1").startswith("pending")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
        await pilot.press("y")
        await actions_done(pilot)
        assert not errors_of(app)
        assert await store.meta(REDISCOVER_META) is not None  # the screen asked the sync
        await sim.advance(1)  # the hub's registration controller: Joined and Available
        # the sync re-discovers every 30 s; asked, it answers in seconds (`joined`: the
        # column's word for Available)
        await until(pilot, lambda: hub_cell(app, "joining-1") == "joined", "the HUB cell", limit=8.0)
        row = await store.cluster("joining-1")
        assert row.hub["state"] == "available" and row.hub["joined"]


async def test_a_taint_shows_in_the_hub_column_within_seconds_with_the_sync_running(sim, kc_path, store):
    first = sim.cluster_names[0]
    await sync(store, kc_path)
    running: list[FleetSync] = []
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path),
                 run_sync=sync_thread_runner(kc_path, running))
    async with app.run_test(size=(260, 48)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: running and running[0]._group is not None, "the sync running")
        await select_cluster(pilot, first)
        assert "taint" not in hub_cell(app, first)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TaintForm), "the taint form")
        app.screen.query_one("#taint-key", Input).value = "maintenance"
        await pilot.press("ctrl+s")
        await actions_done(pilot)
        assert not errors_of(app)
        await until(pilot, lambda: hub_cell(app, first).endswith("1 taint"), "the HUB cell", limit=5.0)


async def test_taint_then_untaint_through_the_forms(sim, kc_path, store):
    first = sim.cluster_names[0]  # the demo Placement `ack-clusters` decides it

    def decided():
        return [x["clusterName"] for x in sim.hub.get(DECISIONS, "default", "ack-clusters-decision-1")
                ["status"]["decisions"]]

    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await select_cluster(pilot, first)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TaintForm), "the taint form")
        form = app.screen
        form.query_one("#taint-key", Input).value = "maintenance"
        form.query_one("#taint-value", Input).value = "true"
        await pilot.press("ctrl+s")
        await actions_done(pilot)
        assert not errors_of(app)
        await sim.advance(1)
        taints = sim.hub.get(MANAGED, None, first)["spec"]["taints"]
        assert [(t["key"], t["value"], t["effect"]) for t in taints] == [("maintenance", "true", "NoSelect")]
        assert decided() == []

        # a taint without a key never leaves the form
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TaintForm), "the taint form")
        app.screen.query_one("#taint-key", Input).value = ""
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, TaintForm)
        assert "give the taint's key" in str(app.screen.query_one("#form-error").render())
        await pilot.press("escape")

        await sync(store, kc_path)  # the form lists the taints the cache has
        await settle(pilot, 0.2)
        await select_cluster(pilot, first)
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UntaintForm), "the untaint form")
        assert app.screen.query_one(Select).value == 0
        await pilot.press("ctrl+s")
        await actions_done(pilot)
        assert not errors_of(app)
        await sim.advance(1)
        assert not sim.hub.get(MANAGED, None, first)["spec"].get("taints")
        assert decided() == [first]


async def test_detach_asks_naming_what_stops_being_managed(sim, kc_path, store):
    first = sim.cluster_names[0]
    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await select_cluster(pilot, first)
        before = sim.mutations()
        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
        body = str(app.screen._body)
        assert f"deletes ManagedCluster {first}" in body and f"vela-system/{first}" in body
        assert "workload(s) run there: detach deletes none of them" in body
        await pilot.press("n")  # no: nothing is written
        await pilot.pause(0.2)
        assert sim.mutations() == before and sim.hub.get(MANAGED, None, first) is not None

        await pilot.press("ctrl+d")
        await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
        await pilot.press("y")
        await actions_done(pilot)
        assert not errors_of(app)
        assert sim.hub.get(MANAGED, None, first) is None
        assert sim.hub.get("secrets", "vela-system", first) is None


async def test_the_registration_screen_shows_sets_placements_and_pending_csrs(sim, kc_path, store):
    first = sim.cluster_names[0]
    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path, read_only=True))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen.loads, "the view")
        view = app.screen.view
        assert view is not None and not view.problems
        assert [(p.cluster, p.csr_state) for p in view.pending] == [("joining-1", "pending")]
        sets = {s.name: s.members for s in view.clustersets}
        assert first in sets["default"] and "joining-1" not in sets["default"]
        [placement] = view.placements
        assert placement.key == "default/ack-clusters" and placement.satisfied == "True"
        assert [c for c, _ in placement.decisions] == [first]
        assert "in set default" in dict(placement.decisions)[first]
        # the other member of the set is left out, and the view says why
        assert dict(placement.left_out) and all(why for _, why in placement.left_out)
        heading = str(app.screen.query_one("#registration-heading").render())
        assert "1 awaiting a decision" in heading
        keys = lambda: {k.key for k in app.screen.query("FooterKey")}  # noqa: E731
        assert {"a", "x"} <= keys()
        await pilot.press("tab")
        assert app.screen.query_one("TabbedContent").active == "tab-placements"
        # accept and deny are about a pending CSR: not offered on the other tabs
        await pilot.pause(0.2)
        assert not {"a", "x"} & keys()

        # a taint made elsewhere shows as the reason once re-read
        async with hub_clients(kc_path)() as client:
            await membership.taint(client, first, membership.Taint("maintenance", "", "NoSelect"),
                                   now="2026-12-01T00:00:00Z")
        await sim.advance(1)
        loads = app.screen.loads
        await pilot.press("r")
        await until(pilot, lambda: app.screen.loads > loads, "the re-read")
        [placement] = app.screen.view.placements
        assert dict(placement.left_out)[first] == "tainted maintenance:NoSelect (not tolerated)"


@pytest.mark.parametrize("watch", [False, True])
async def test_read_only_refuses_every_membership_action_with_zero_mutations(sim, kc_path, store, watch):
    first = sim.cluster_names[0]
    await sync(store, kc_path)
    before = sim.mutations()
    app = app_on(store, kc_path, sim, read_only=True, watch=watch,
                 hub_client=hub_clients(kc_path, read_only=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for name, key in (("joining-1", "a"), ("joining-1", "x"), (first, "t"), (first, "u"), (first, "l"),
                          (first, "c"), (first, "ctrl+d")):
            await select_cluster(pilot, name)
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause(0.1)
            assert len(app.screen_stack) == 1, key  # no form, no confirmation
            assert [n.title for n in app._notifications] == ["read-only"], key
        # the app's check bypassed: the kube layer's guard on the hub client refuses it
        with mode.session_mode(read_only=True, watch=watch):
            with pytest.raises(mode.WriteRefused):
                await app._membership_worker("accept", lambda c: membership.accept(c, "joining-1"))
        # reading is fine: the registration screen opens; its accept and deny are refused
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen.loads, "the view")
        assert app.screen.view is not None
        app.screen.query_one("#registration-pending").focus()
        for key in ("a", "x"):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause(0.1)
            assert isinstance(app.screen, RegistrationScreen), key
            assert [n.title for n in app._notifications] == ["read-only"], key
    await asyncio.sleep(0)
    assert sim.mutations() == before
    assert await store.meta(REDISCOVER_META) is None  # nothing was done: nothing to look at
    await sim.advance(1)
    assert conditions(sim, "joining-1") == {}


async def test_palette_and_help_offer_the_registration_view(sim, kc_path, store):
    from textual.command import CommandPalette

    from fleettui.tui.screens.help import HelpScreen

    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path, read_only=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"hub regis")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen.loads, "the view")
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause(0.1)
        assert isinstance(app.screen, HelpScreen)
        clusters = dict(app.screen._sections)["Clusters"]
        rows = {keys: line for keys, line, _write in clusters}
        assert {"a", "x", "t", "u", "l", "c", "Ctrl+D", "h"} <= set(rows)


async def test_accept_from_the_registration_screens_pending_tab(sim, kc_path, store):
    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen.loads, "the view")
        screen = app.screen
        screen.show_tab("tab-pending")
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
        body = str(app.screen._body)
        assert "approve CSR joining-1-" in body and "system:open-cluster-management:joining-1" in body
        await pilot.press("y")
        await actions_done(pilot)
        assert not errors_of(app)
        await until(pilot, lambda: screen.loads >= 2, "the re-read after the action")
        await sim.advance(1)
        assert conditions(sim, "joining-1")["ManagedClusterConditionAvailable"] == "True"
        loads = screen.loads
        await pilot.press("r")
        await until(pilot, lambda: screen.loads > loads, "the re-read")
        assert screen.view.pending == ()


async def test_the_dashboard_wires_the_hub_client_read_only_in_watch_mode(sim, kc_path, tmp_path):
    """`fleettui --hub hub` as built by the command: the clusters pane's taint lands on the hub;
    with --watch the same wiring gives a read-only client, refused by the kube layer's guard."""
    import argparse

    from fleettui.cli.dashboard import build_app

    cache = tmp_path / "cache.db"
    store = await Store.open(cache)
    await sync(store, kc_path)
    await store.close()
    first = sim.cluster_names[0]

    def args():
        return argparse.Namespace(kubeconfig=str(kc_path), cache=str(cache), hub="hub", fleet=None, context=None,
                                  read_only=False, watch=False)

    app = build_app(args())
    app.debounce, app.sync_thread = 0.05, None  # the cache above is enough
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await select_cluster(pilot, first)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TaintForm), "the taint form")
        app.screen.query_one("#taint-key", Input).value = "maintenance"
        await pilot.press("ctrl+s")
        await actions_done(pilot)
        assert not errors_of(app)
    assert [t["key"] for t in sim.hub.get(MANAGED, None, first)["spec"]["taints"]] == ["maintenance"]

    before = sim.mutations()
    watching = build_app(argparse.Namespace(**{**vars(args()), "watch": True}))
    assert watching.read_only and watching._hub_client is not None
    async with watching._hub_client() as client:
        assert client.read_only
        with pytest.raises(mode.WriteRefused):
            await membership.untaint(client, first, "maintenance")
    assert sim.mutations() == before


async def test_the_registration_view_opened_again_from_the_palette_replaces_itself(sim, kc_path, store):
    from textual.command import CommandPalette

    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path, read_only=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen.loads, "the view")
        first = app.screen
        await pilot.press("colon", *"hub regis")
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen is not first
                    and app.screen.loads, "the view again")
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert len(app.screen_stack) == 1


async def test_opening_the_registration_view_lists_the_managed_clusters_once(sim, kc_path, store):
    # the view and its pending-acceptance part share one LIST (each was its own on a
    # hub of a thousand ManagedClusters)
    await sync(store, kc_path)
    app = app_on(store, kc_path, sim, hub_client=hub_clients(kc_path, read_only=True))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        before = sim.requests.count("hub", "list", MANAGED)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, RegistrationScreen) and app.screen.loads, "the view")
        assert app.screen.view is not None and [r.cluster for r in app.screen.view.pending] == ["joining-1"]
        assert sim.requests.count("hub", "list", MANAGED) - before == 1
