"""SVG snapshots of each pane at 80x24 and 160x48 on the seeded fleet, frozen clock.

Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and look at
the SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

import pytest

from tui.conftest import make_app, no_blink, settle, wait_for_data

SIZES = [(80, 24), (160, 48)]


async def _ready(pilot) -> None:
    await wait_for_data(pilot)
    await settle(pilot, 0.1)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_clusters_pane(snap_compare, fleet_cache, size):
    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_topology_pane(snap_compare, fleet_cache, size):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("E")  # open every branch with a problem
        await settle(pilot, 0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=run_before)


# the detail screens at 80x24 only (the panes are covered at both sizes)
@pytest.mark.parametrize("size", SIZES[:1], ids=lambda s: f"{s[0]}x{s[1]}")
def test_cluster_screen(snap_compare, fleet_cache, size):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        pilot.app.open_cluster("ack-shanghai-b")
        await settle(pilot)
        pilot.app.screen.show_tab("tab-unhealthy")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=run_before)


def test_watch_mode_help(snap_compare, fleet_cache):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(make_app(fleet_cache, watch=True), terminal_size=(80, 24),
                        run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rollouts_pane(snap_compare, fleet_cache, size):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=run_before)


# the detail screens at 80x24 only (the panes are covered at both sizes)
@pytest.mark.parametrize("size", SIZES[:1], ids=lambda s: f"{s[0]}x{s[1]}")
def test_application_screen(snap_compare, fleet_cache, size):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("enter")  # node-agent: one cluster failed
        await settle(pilot)
        pilot.app.screen.show_tab("tab-placement")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=run_before)


def test_clusters_pane_60x20(snap_compare, fleet_cache):
    """The header wraps into two lines of whole words; the table keeps NAME, HEALTH, the figures that fit."""
    assert snap_compare(make_app(fleet_cache), terminal_size=(60, 20), run_before=_ready)


def test_distribute_dialog_picks(snap_compare, fleet_cache):
    """Picked and unpicked rows differ by `[x]` / `[ ]`, not by colour alone."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("3", "D")
        await pilot.pause(0.3)
        await pilot.press("tab", "tab", "tab", "space", "down", "down", "space")
        await pilot.pause(0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=(80, 24), run_before=run_before)


def test_distribute_dialog_ranked_targets(snap_compare, fleet_cache):
    """A workload with a pod template picked: the targets with the most free CPU first, `fits N, Cc` (free CPU) / `no room: why`."""
    from textual.widgets import SelectionList

    from tui.test_distribute import _open_dialog, _pick_source, _until, add_fit_shapes

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await add_fit_shapes(pilot.app.store)
        dialog = await _open_dialog(pilot)
        await _pick_source(pilot, dialog, "ack-hangzhou-a", "shop", 4)
        dialog.query_one("#resources", SelectionList).select("Deployment/big")
        await _until(pilot, lambda: dialog.fits, "the ranking")
        await pilot.press("tab", "tab", "tab", "space")  # focus on the targets, the best one picked
        await pilot.pause(0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=(80, 24), run_before=run_before)


def test_services_detail_screen(snap_compare, services_cache):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(services_cache), terminal_size=(80, 24), run_before=run_before)


def test_confirm_dialog(snap_compare, fleet_cache):
    """B on an application: the rollback asks first."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("B")
        await pilot.pause(0.2)

    assert snap_compare(make_app(fleet_cache), terminal_size=(80, 24), run_before=run_before)


def test_failed_action(snap_compare, fleet_cache):
    """S with no hub to reach: the worker fails and says so (not a silent no-op)."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("S")
        await pilot.pause(0.3)

    assert snap_compare(make_app(fleet_cache), terminal_size=(80, 24), run_before=run_before)


def test_distribute_editor_validation_error(snap_compare, fleet_cache):
    """Ctrl+S on an Application the hub finds invalid: the error under the buffer, the buffer kept."""
    from fleettui.engine.hub_local import LocalHub
    from fleettui.store.apps import AppStore
    from fleettui.tui.screens.distribute import ApplicationEditor

    async def run_before(pilot) -> None:
        await _ready(pilot)
        app = pilot.app

        async def planner(document):
            return await LocalHub(AppStore(app.store, hub="local"), clock=app.clock).plan(document)

        document = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
                    "metadata": {"name": "web", "namespace": "shop"},
                    "spec": {"components": [{"name": "web", "type": "webservice"}]}}
        editor = ApplicationEditor(document, planner)
        app.push_screen(editor)
        await pilot.pause(0.2)
        from textual.widgets import TextArea

        # a blinking cursor is caught on or off by chance: the snapshot must not depend on it
        for area in editor.query(TextArea):
            area.cursor_blink = False
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)

    assert snap_compare(make_app(fleet_cache), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_metrics_pane(snap_compare, fleet_cache, size):
    """Top by CPU per cluster over the last hour from the seeded metrics, the first row plotted."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("6")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_cost_view(snap_compare, fleet_cache, size):
    """Cost per namespace over 24h (idle lines included), the trend plotted below."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("6", "c", "g", "t", "t")  # cost; by namespace; range 1h -> 6h -> 24h
        await settle(pilot, 0.1)

    assert snap_compare(make_app(fleet_cache), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_alerts_pane(snap_compare, alerts_cache, size):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("7")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(alerts_cache), terminal_size=size, run_before=run_before)


def test_alert_screen(snap_compare, alerts_cache):
    from tui.test_alerts_pane import open_alert

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("7")
        await settle(pilot)
        await open_alert(pilot, pilot.app.pane, "alertname=KubeDeploymentReplicasMismatch")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(alerts_cache), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rules_matrix(snap_compare, alerts_cache, size):
    from tui.test_rules_matrix import _cells

    async def gather():
        return _cells()

    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("m")
        for _ in range(50):
            if pilot.app.pane.matrix is not None:
                break
            await pilot.pause(0.05)
        await settle(pilot, 0.1)

    assert snap_compare(make_app(alerts_cache, pane_options={"rule_status": gather}), terminal_size=size,
                        run_before=run_before)


def test_rule_editor_error(snap_compare, alerts_cache, tmp_path):
    import shutil

    import yaml

    from fleettui.tui.screens.rule_editor import RuleEditor
    from tui.test_rule_editor import RULE

    if shutil.which("promtool") is None:
        pytest.skip("promtool (make test installs it)")
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(RULE, sort_keys=False).replace("== 0", "== ("))

    async def run_before(pilot) -> None:
        await _ready(pilot)
        from fleettui.engine.render import MemberCluster

        editor = RuleEditor(path, path.read_text(), [MemberCluster("ack-hangzhou-a"), MemberCluster("idc-beijing")],
                            None)
        pilot.app.push_screen(editor)
        await pilot.pause()
        no_blink(editor)
        await pilot.press("ctrl+s")
        for _ in range(100):
            if editor.check is not None:
                break
            await pilot.pause(0.1)
        await pilot.pause(0.2)

    assert snap_compare(make_app(alerts_cache), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rollouts_pane_with_jobs(snap_compare, jobs_cache, size):
    """Job applications: their Jobs' state, pods done and time in the matrix, and the short
    form of the placement decision in the row."""
    async def run_before(pilot) -> None:
        await _ready(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(make_app(jobs_cache), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_application_screen_placement_decision_and_jobs(snap_compare, jobs_cache, size):
    """ml/train: the capacity decision with a reason per cluster above the placement, its Job below."""
    async def run_before(pilot) -> None:
        from fleettui.tui.panes.rollouts import RolloutsPane

        await _ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        pane = pilot.app.query_one(RolloutsPane)
        pane.open_detail(next(a for a in pane._data.apps if a.name == "train"))
        await settle(pilot)
        pilot.app.screen.show_tab("tab-placement")
        await settle(pilot, 0.1)

    assert snap_compare(make_app(jobs_cache), terminal_size=size, run_before=run_before)
