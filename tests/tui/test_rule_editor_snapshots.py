"""SVG snapshots of the rule editor's override form and of its plan with live results, at
80x24 and 160x48. The plan's live rows are fixed values (a real backtest moves with the
clock; tests/tui/test_rule_plan_e2e.py runs the real one)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from fleettui.alerts import overrides
from fleettui.alerts.checks import Finding
from fleettui.alerts.plan import PlanRow
from fleettui.alerts.planning import LivePlan
from fleettui.engine.render import MemberCluster
from fleettui.tui.screens.rule_editor import RuleEditor
from tui.conftest import make_app, no_blink, settle, wait_for_data
from tui.fleet_fixture import DEMO_CLUSTERS

SIZES = [(80, 24), (160, 48)]
EXAMPLE = Path(__file__).parents[2] / "examples" / "alert-rules.yaml"
FLEET = [MemberCluster(c[0], {"provider": c[1]}) for c in DEMO_CLUSTERS]


def _rule_file(tmp_path: Path) -> Path:
    doc = overrides.set_override(yaml.safe_load(EXAMPLE.read_text()), name="edge-slow", target="edge-shenzhen",
                                 rule="KubeNodeNotReady", field="for", value="10m", fleet=[m.name for m in FLEET])
    path = tmp_path / "fleet-alerts.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


async def _wait(pilot, check) -> None:
    for _ in range(200):
        if check():
            return
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_override_form(snap_compare, alerts_cache, tmp_path, size):
    from fleettui.tui.screens.rule_overrides import OverrideForm

    path = _rule_file(tmp_path)

    async def run_before(pilot) -> None:
        await wait_for_data(pilot)
        pilot.app.push_screen(RuleEditor(path, path.read_text(), FLEET, None))
        await pilot.pause()
        no_blink(pilot.app.screen)
        await pilot.press("ctrl+o")
        await _wait(pilot, lambda: isinstance(pilot.app.screen, OverrideForm))
        form = pilot.app.screen
        no_blink(form)
        form.query_one("#ov-target").value = "idc-beijng"
        form.query_one("#ov-rule").value = "KubePodCrashLooping"
        form.query_one("#ov-value").value = "3"
        await pilot.press("ctrl+s")  # the typo is said; the fields keep it
        await settle(pilot, 0.1)

    assert snap_compare(make_app(alerts_cache), terminal_size=size, run_before=run_before)


def _live(rs, variants):
    rows = []
    for v in variants:
        if v.cluster == "edge-shenzhen":
            rows.append(PlanRow(v.cluster, v.label, 6, None, None, "changed: groups[0].rules[2].for",
                                unknown="unreachable (connection refused): http://10.8.0.7:9090"))
            continue
        fires = {"ack-shanghai-a": (3, 1, "··▁▁▂▂▄▄▆▆██████████████"), "idc-beijing": (1, 1, "·········▂████████████")}
        n, now, spark = fires.get(v.cluster, (0, 0, "·" * 24))
        rows.append(PlanRow(v.cluster, v.label, 6, n + 1, now + 1, "unchanged" if v.cluster != "eks-us-west-2"
                            else "new", sparkline="".join("█" if c == "·" else c for c in spark)))
    findings = (Finding("warning", "eks-us-west-2", "fleet.rules/KubePodPending",
                        'kube_pod_status_unschedulable{job="kube-state-metrics"}: metric unknown: no series named '
                        "kube_pod_status_unschedulable"),)

    async def plan() -> LivePlan:
        return LivePlan(rs, tuple(variants), tuple(rows), (), findings, 6 * 3600.0)

    return plan()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_rule_plan_with_live_results(snap_compare, alerts_cache, tmp_path, size):
    from fleettui.tui.screens.rule_plan import RulePlan

    if shutil.which("promtool") is None:
        pytest.skip("promtool (make test installs it)")
    path = _rule_file(tmp_path)

    async def run_before(pilot) -> None:
        await wait_for_data(pilot)
        pilot.app.push_screen(RuleEditor(path, path.read_text(), FLEET, None, _live))
        await pilot.pause()
        no_blink(pilot.app.screen)
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: isinstance(pilot.app.screen, RulePlan))
        await settle(pilot, 0.1)

    assert snap_compare(make_app(alerts_cache), terminal_size=size, run_before=run_before)
