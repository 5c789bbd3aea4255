"""Distribute from a selection end to end against the simulator: the dialog picks
objects the cache knows on a source cluster, the local hub (with its engine)
plans and applies the ref-objects Application, the canary gate holds the rest
back until `r`, and the objects land on the member clusters."""

from __future__ import annotations

import io
from contextlib import asynccontextmanager

from engine.conftest import Engine_for, cluster_labels
from engine.conftest import settle as settle_app
from rich.console import Console
from textual.widgets import Input, Select, SelectionList

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_local import LocalHub
from fleettui.store import Store
from fleettui.store.apps import AppStore
from fleettui.tui.app import FleetApp
from fleettui.tui.panes.rollouts import RolloutsPane
from fleettui.tui.rollout_renderers import app_key
from fleettui.tui.screens.dialogs import Confirm
from fleettui.tui.screens.distribute import ApplicationEditor
from tui.conftest import settle
from tui.test_distribute import _open_dialog, _pick_source, _until
from tui.test_rollouts import _actions_done


async def _cache_from_sim(store: Store, sim) -> None:
    """What a sync would have cached: the members (labels from the hub's
    ManagedClusters) and the source cluster's shop namespace."""
    w = store.writer
    labels = cluster_labels(sim)
    for name in sim.cluster_names:
        w.put_cluster(name, context=name, labels=labels[name])
        w.probe(name, reachable=True, version="v1.30.0", latency_ms=1.0)
    source = sim.cluster("ack-hangzhou-a")
    w.replace("ack-hangzhou-a", "Namespace", [{"name": "shop", "phase": "Active", "health": "healthy"}])
    w.replace("ack-hangzhou-a", "Deployment", [
        {"namespace": "shop", "name": d["metadata"]["name"], "health": "healthy", "ready": 1, "desired": 1}
        for d in source.list("deployments.apps") if d["metadata"]["namespace"] == "shop"])
    w.replace("ack-hangzhou-a", "ConfigMap", [
        {"namespace": "shop", "name": c["metadata"]["name"]}
        for c in source.list("configmaps") if c["metadata"]["namespace"] == "shop"])
    await w.flush()


async def test_canary_first_from_a_selection_on_the_simulator(sim, kubeconfig_path, tmp_path):
    store = await Store.open(tmp_path / "cache.db", clock=sim.clock.now)
    fleet = Fleet.from_kubeconfig(load_kubeconfig(str(kubeconfig_path)), contexts=sim.cluster_names,
                                  labels=cluster_labels(sim), timeout=3.0)
    records = AppStore(store)
    hub = LocalHub(records, engine=Engine_for(records, fleet, sim), clock=sim.clock.now)

    @asynccontextmanager
    async def hub_session(name: str):
        yield hub

    try:
        await _cache_from_sim(store, sim)
        app = FleetApp(store=store, clock=sim.clock.now, debounce=0.05, hub_session=hub_session)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot, clusters=3)
            await _pick_source(pilot, dialog, "ack-hangzhou-a", "shop", None)
            dialog.query_one("#resources", SelectionList).select("ConfigMap/storefront-config")
            targets = dialog.query_one("#targets", SelectionList)
            targets.select("edge-shenzhen")
            targets.select("idc-beijing")
            dialog.query_one("#app-name", Input).value = "storefront-cfg"
            dialog.query_one("#mode", Select).value = "canary"
            # the demo seed has this ConfigMap on every cluster, not made by fleettui,
            # which does not take over objects it did not create: copy it beside them
            dialog.query_one("#target-namespace", Input).value = "shop-mirror"
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: isinstance(app.screen, ApplicationEditor), "the editor")
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: isinstance(app.screen, Confirm), "the plan")
            console = Console(width=120, record=True, file=io.StringIO())
            console.print(app.screen._body)
            plan = [ln.split() for ln in console.export_text().splitlines()[1:]]
            assert plan == [["deploy-canary", "edge-shenzhen", "ConfigMap", "shop-mirror/storefront-config", "-"],
                            ["deploy-rest", "idc-beijing", "ConfigMap", "shop-mirror/storefront-config", "-"]]
            await pilot.press("y")
            await _actions_done(pilot)

            result = await settle_app(hub, sim, "shop", "storefront-cfg")
            assert result.phase == "workflowSuspending", (await hub.get("shop", "storefront-cfg"))["status"]["workflow"]
            assert sim.cluster("edge-shenzhen").get("configmaps", "shop-mirror", "storefront-config")
            assert sim.cluster("idc-beijing").get("configmaps", "shop-mirror", "storefront-config") is None

            await settle(pilot)
            pane = app.query_one(RolloutsPane)
            assert "local/shop/storefront-cfg" in pane.table.shown_keys
            row = next(r for r in pane._data.apps if r.name == "storefront-cfg")
            pane.table.move_cursor(row=pane.table.get_row_index(app_key(row)))
            await pilot.press("r")  # release the gate
            await _actions_done(pilot)
            assert (await settle_app(hub, sim, "shop", "storefront-cfg")).phase == "running"
            copied = sim.cluster("idc-beijing").get("configmaps", "shop-mirror", "storefront-config")
            source = sim.cluster("ack-hangzhou-a").get("configmaps", "shop", "storefront-config")
            assert copied["data"] == source["data"]
            assert copied["metadata"]["labels"]["app.oam.dev/name"] == "storefront-cfg"
    finally:
        await fleet.close()
        await store.close()
