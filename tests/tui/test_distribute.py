"""Distribute from a selection: the dialog writes the ref-objects Application, the
editor validates it through the hub (keeping the buffer on error), confirm applies."""

from __future__ import annotations

import yaml
from textual.widgets import Input, Select, SelectionList, TextArea

from fleettui.engine.compose import SelectedResource, ref_objects_application
from fleettui.metrics import inventory
from fleettui.metrics.fit import Fit, rank
from fleettui.store import Store
from fleettui.store.apps import AppStore
from fleettui.tui.screens.dialogs import Confirm
from fleettui.tui.screens.distribute import (
    ApplicationEditor,
    Selection,
    SelectionDialog,
    compose_application,
    matching,
    parse_labels,
    ranked_targets,
    target_label,
)
from tui.conftest import settle, wait_for_data
from tui.fleet_fixture import FROZEN_NOW
from tui.test_rollouts import _actions_done, _app


async def _until(pilot, cond, what: str) -> None:
    for _ in range(60):
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def _open_dialog(pilot, clusters: int = 8) -> SelectionDialog:
    await wait_for_data(pilot)
    await pilot.press("3", "D")
    await _until(pilot, lambda: isinstance(pilot.app.screen, SelectionDialog), "the dialog")
    dialog = pilot.app.screen
    await _until(pilot, lambda: dialog.query_one("#targets", SelectionList).option_count == clusters, "clusters")
    return dialog


async def _pick_source(pilot, dialog: SelectionDialog, cluster: str, namespace: str,
                       count: int | None) -> None:
    dialog.query_one("#source", Select).value = cluster
    ns = dialog.query_one("#namespace", Select)
    await _until(pilot, lambda: any(v == namespace for _, v in ns._options), "namespaces")
    ns.value = namespace
    res = dialog.query_one("#resources", SelectionList)
    await _until(pilot, lambda: res.option_count == count if count is not None else res.option_count > 0,
                 "resources")


def test_label_selector_parsing_and_matching():
    assert parse_labels(" env=prod, region = cn ") == {"env": "prod", "region": "cn"}
    assert parse_labels("  ") is None
    try:
        parse_labels("env=prod,oops")
    except ValueError as exc:
        assert "'oops'" in str(exc)
    else:
        raise AssertionError("a term without = must be refused")


def test_canary_first_by_name_leaves_the_canary_out_of_the_rest():
    sel = Selection("ack-hangzhou-a", "shop", ("Deployment/cart", "ConfigMap/cart"),
                    ("eks-us-west-2", "ack-hangzhou-b"), None, " cart ", "", "canary")
    doc = compose_application(sel, [])
    assert doc["metadata"] == {"name": "cart", "namespace": "shop"}
    assert [p["properties"] for p in doc["spec"]["policies"]] == [
        {"clusters": ["eks-us-west-2"]}, {"clusters": ["ack-hangzhou-b"]}]
    objects = doc["spec"]["components"][0]["properties"]["objects"]
    assert objects[1] == {"resource": "configmap", "name": "cart", "cluster": "ack-hangzhou-a",
                          "namespace": "shop"}
    gate = doc["spec"]["workflow"]["steps"][1]
    assert gate["properties"]["message"] == "canary on eks-us-west-2: check it, then resume"
    for bad, why in ((Selection("a", "shop", ("Deployment/x",), (), None, "x", "", "canary"),
                      "at least one target"),
                     (Selection("a", "shop", ("Deployment/x",), ("b",), None, "", "", "replicate"),
                      "name")):
        try:
            compose_application(bad, [])
        except ValueError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(f"{bad} must be refused")


async def test_keyboard_only_replicate_at_80x24(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        store.writer.replace("ack-hangzhou-a", "Service", [
            {"namespace": "shop", "name": "frontend", "data": {"type": "ClusterIP"}}])
        store.writer.replace("ack-hangzhou-a", "ConfigMap", [{"namespace": "shop", "name": "frontend-config"}])
        await store.writer.flush()
        app = _app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot)
            # source cluster: the first (below the blank); namespace "shop" is the last of five
            await pilot.press("enter", "down", "enter")
            ns = dialog.query_one("#namespace", Select)
            await _until(pilot, lambda: len(ns._options) == 6, "namespaces")
            await pilot.press("tab", "enter", *["down"] * 5, "enter")
            res = dialog.query_one("#resources", SelectionList)
            await _until(pilot, lambda: res.option_count == 5, "resources")
            assert [o.prompt for o in res.options] == [
                "Deployment/cart", "Deployment/checkout", "Deployment/frontend", "Service/frontend",
                "ConfigMap/frontend-config"]
            # resources: frontend deployment, its service and configmap (focus puts
            # the cursor on the first option)
            await pilot.press("tab", "down", "down", "space", "down", "space", "down", "space")
            # targets: ack-hangzhou-b and ack-hangzhou-c
            await pilot.press("tab", "down", "space", "down", "space")
            assert "ack-hangzhou-b, ack-hangzhou-c" in str(dialog.query_one("#matches").render())
            await pilot.press("tab", "tab", *"web", "ctrl+s")
            await _until(pilot, lambda: isinstance(app.screen, ApplicationEditor), "the editor")
            written = yaml.safe_load(app.screen.query_one(TextArea).text)
            assert written == ref_objects_application(
                "web", "shop", source_cluster="ack-hangzhou-a",
                resources=[SelectedResource("deployment", "frontend", "apps"),
                           SelectedResource("service", "frontend"),
                           SelectedResource("configmap", "frontend-config")],
                clusters=["ack-hangzhou-b", "ack-hangzhou-c"])
            assert written["spec"]["policies"][0]["properties"] == {
                "clusters": ["ack-hangzhou-b", "ack-hangzhou-c"]}
    finally:
        await store.close()


async def test_canary_first_by_label_with_a_gate(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot)
            error = dialog.query_one("#selection-error")
            await pilot.press("ctrl+s")  # an incomplete selection is refused in the dialog
            assert "pick the source cluster" in str(error.render())
            await _pick_source(pilot, dialog, "ack-hangzhou-a", "payments", 2)
            dialog.query_one("#app-name", Input).value = "payments"
            await pilot.press("ctrl+s")
            assert "pick at least one resource" in str(error.render()) and app.screen is dialog
            dialog.query_one("#resources", SelectionList).select_all()
            dialog.query_one("#labels", Input).value = "env=prod"
            await pilot.pause()
            prod = matching(dialog.clusters, {"env": "prod"})
            assert prod[0] == "ack-hangzhou-b" and len(prod) == 5
            assert f"matches 5: {', '.join(prod)}" in str(dialog.query_one("#matches").render())
            dialog.query_one("#app-name", Input).value = "payments"
            dialog.query_one("#mode", Select).value = "canary"
            dialog.query_one("#gate", Input).value = "check the ledger on ack-hangzhou-b"
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: isinstance(app.screen, ApplicationEditor), "the editor")
            doc = yaml.safe_load(app.screen.query_one(TextArea).text)
            assert doc["metadata"] == {"name": "payments", "namespace": "payments"}
            objects = doc["spec"]["components"][0]["properties"]["objects"]
            assert [(o["resource"], o["name"], o["cluster"], o["namespace"]) for o in objects] == [
                ("deployment", "api", "ack-hangzhou-a", "payments"),
                ("deployment", "ledger", "ack-hangzhou-a", "payments")]
            assert doc["spec"]["policies"] == [
                {"name": "canary", "type": "topology", "properties": {"clusters": ["ack-hangzhou-b"]}},
                {"name": "rest", "type": "topology", "properties": {"clusterLabelSelector": {"env": "prod"}}}]
            steps = doc["spec"]["workflow"]["steps"]
            assert [(s["name"], s["type"]) for s in steps] == [
                ("deploy-canary", "deploy"), ("gate", "suspend"), ("deploy-rest", "deploy")]
            assert steps[1]["properties"]["message"] == "check the ledger on ack-hangzhou-b"
    finally:
        await store.close()


async def test_invalid_edit_keeps_the_buffer(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot)
            await _pick_source(pilot, dialog, "ack-hangzhou-a", "shop", 3)
            dialog.query_one("#resources", SelectionList).select("Deployment/cart")
            dialog.query_one("#targets", SelectionList).select("eks-us-west-2")
            dialog.query_one("#app-name", Input).value = "cart"
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: isinstance(app.screen, ApplicationEditor), "the editor")
            editor = app.screen
            area = editor.query_one(TextArea)
            bad = area.text.replace("type: ref-objects", "type: no-such-type")
            area.text = bad
            await pilot.press("ctrl+s")
            error = editor.query_one("#editor-error")
            await _until(pilot, lambda: "no-such-type" in str(error.render()), "the hub's error")
            assert app.screen is editor and area.text == bad
            assert app.hubs_opened == ["local"]
            area.text = "spec: [unclosed"
            await pilot.press("ctrl+s")
            assert "not valid YAML" in str(error.render()) and area.text == "spec: [unclosed"

            good = bad.replace("no-such-type", "ref-objects")
            area.text = good
            await pilot.press("ctrl+s")
            await _until(pilot, lambda: isinstance(app.screen, Confirm), "the plan")
            await pilot.press("n")  # not now: back to the editor, text kept, nothing applied
            await _until(pilot, lambda: app.screen is editor, "the editor again")
            assert area.text == good and await AppStore(store).get_app("shop", "cart") is None
            await pilot.press("escape")  # Esc leaves the editor, applying nothing
            await _until(pilot, lambda: len(app.screen_stack) == 1, "the pane")
            await _actions_done(pilot)
            assert await AppStore(store).get_app("shop", "cart") is None
    finally:
        await store.close()


async def test_read_only_hides_and_refuses_it(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        app = _app(store, read_only=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for_data(pilot)
            await pilot.press("3")
            await settle(pilot)
            shown = {b.binding.action for b in app.active_bindings.values()}
            assert "app.distribute_selection" not in shown
            await pilot.press("D")
            await settle(pilot)
            app.action_distribute_selection()  # even when invoked directly
            app._edited({"apiVersion": "core.oam.dev/v1beta1"})
            await _actions_done(pilot)
            assert not isinstance(app.screen, SelectionDialog | ApplicationEditor)
            assert app.hubs_opened == []
    finally:
        await store.close()


# -- targets ranked by fit ---------------------------------------------------

EDGE_TAINT = {"key": "dedicated", "value": "edge", "effect": "NoSchedule"}


async def add_fit_shapes(store: Store) -> None:
    """A Deployment with a pod template the cache knows (3 replicas of 3 cores, 4 GiB) in
    ack-hangzhou-a/shop, and edge-shenzhen's two nodes tainted for edge workloads only."""
    store.writer.upsert("ack-hangzhou-a", "Deployment", {
        "namespace": "shop", "name": "big", "ready": 3, "desired": 3, "health": "healthy", "message": "",
        "images": ["nginx:1.27"], "pod_cpu_m": 3000, "pod_mem_b": 4 << 30})
    for n in range(2):
        store.writer.upsert("edge-shenzhen", "Node", {
            "name": f"edge-shenzhen-node-{n}", "health": "healthy", "message": "", "phase": "Ready", "ready": 1,
            "desired": 1, "cpu_m": 8000, "mem_b": 32 << 30, "version": "v1.29.9",
            "roles": ["worker"] if n else ["control-plane"], "zone": "sz-edge-1", "region": "shenzhen",
            "provider": "edge", "taint_list": [EDGE_TAINT]})
    await store.writer.flush()


def test_target_labels_and_order():
    fits = [Fit("b", True, 4, 2, 9000, 1 << 30, "room for 4 on 2 nodes"),
            Fit("a", False, 1, 1, 100, 0, "room for 1 of 3; 2 too full")]
    assert target_label("b", fits[0]) == "b  fits 4, 9.0c"
    assert target_label("a", fits[1]) == "a  no room: room for 1 of 3; 2 too full"
    assert target_label("c", None) == "c"
    # ranked first, then the clusters the ranking had no nodes for, in their own order
    assert ranked_targets(["a", "c", "b"], fits) == [
        ("b  fits 4, 9.0c", "b"), ("a  no room: room for 1 of 3; 2 too full", "a"), ("c", "c")]
    assert ranked_targets(["a", "c"], []) == [("a", "a"), ("c", "c")]


async def test_targets_ranked_by_room_for_the_picked_workload(fleet_cache):
    store = await Store.open(fleet_cache, clock=lambda: FROZEN_NOW)
    try:
        await add_fit_shapes(store)
        nodes = await inventory.read_nodes(store)
        app = _app(store)
        async with app.run_test(size=(80, 24)) as pilot:
            dialog = await _open_dialog(pilot)
            targets = dialog.query_one("#targets", SelectionList)
            unranked = [o.prompt for o in targets.options]
            assert unranked == [c.name for c in dialog.clusters]  # nothing picked: no ranking
            targets.select("idc-beijing")
            await _pick_source(pilot, dialog, "ack-hangzhou-a", "shop", 4)
            dialog.query_one("#resources", SelectionList).select("Deployment/big")
            await _until(pilot, lambda: dialog.fits, "the ranking")
            await pilot.pause()
            # the order is fit.rank's over the cache's nodes; each cluster's room counted
            # from what the fixture requested on its 8-core nodes
            want = rank(await inventory.read_shapes(store, "ack-hangzhou-a", "shop", ["Deployment/big"]), nodes)
            assert [o.value for o in targets.options] == [f.cluster for f in want]
            labels = {o.value: str(o.prompt) for o in targets.options}
            free = {n.name: (8000 - n.cpu_req_m) // 3000 for n in nodes["idc-beijing"]}
            assert labels["idc-beijing"].startswith(f"idc-beijing  fits {min(sum(free.values()), 30)}, ")
            assert labels["edge-shenzhen"] == (
                "edge-shenzhen  no room: room for 0 of 3; 2 taint dedicated=edge:NoSchedule")
            assert [o.value for o in targets.options][-1] == "edge-shenzhen"
            assert "most free CPU first" in str(dialog.query_one("#matches").render())
            assert list(targets.selected) == ["idc-beijing"]  # the pick survives the re-order
            # a Service has no pod template: picking only it drops the ranking
            res = dialog.query_one("#resources", SelectionList)
            res.deselect("Deployment/big")
            await _until(pilot, lambda: not dialog.fits, "the ranking to go")
            await pilot.pause()
            assert [o.prompt for o in targets.options] == unranked
            assert list(targets.selected) == ["idc-beijing"]
    finally:
        await store.close()
