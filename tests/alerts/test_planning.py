"""The editor's live step without a live server: a Prometheus that does not answer, or a
cluster with none, is a plan row "unknown: <why>" beside the others, never an error that
stops the save; the merged history line keeps each slice's highest mark."""

from __future__ import annotations

import yaml

from fleettui.alerts import planning, rulesets
from fleettui.alerts.live import RulePreview
from fleettui.alerts.plan import merged_sparkline, plan
from fleettui.engine.render import MemberCluster
from fleettui.prom import FleetPrometheus, Target

RULE = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": "r", "namespace": "monitoring"},
        "spec": {"groups": [{"name": "g", "rules": [{"alert": "Up", "expr": "up == 0", "for": "1m"}]}]}}


def _placed():
    (rs,) = rulesets.load(yaml.safe_dump(RULE))
    return rs, rulesets.variants(rs, [MemberCluster("a"), MemberCluster("b")])


async def test_a_dead_prometheus_and_a_missing_one_are_unknown_rows_not_errors() -> None:
    rs, placed = _placed()
    prom = FleetPrometheus([Target("a", "http://127.0.0.1:9")], timeout=2.0)
    try:
        got = await planning.live_plan(rs, placed, prom, deployed={"a": None, "b": RULE})
    finally:
        prom.close()
    rows = {r.cluster: r for r in got.rows}
    assert rows["a"].would_fire is None and "unreachable" in rows["a"].unknown and rows["a"].change == "new"
    assert rows["b"].unknown == planning.NO_PROMETHEUS and rows["b"].change == "unchanged"
    assert got.errors == []


async def test_the_planner_without_cluster_access_says_the_change_is_unknown() -> None:
    rs, placed = _placed()
    got = await planning.live_planner({})(rs, placed)
    assert {r.change for r in got.rows} == {"unknown: no cluster access"}


def test_plan_rows_carry_counts_and_the_merged_history() -> None:
    _, placed = _placed()
    previews = [RulePreview("a", "base", "g/Up", count=2, firing_now=1, sparkline="··▂█"),
                RulePreview("a", "base", "g/Down", count=1, sparkline="█···")]
    [a, b] = plan(placed, previews, {"a": None, "b": None}, unknown={"b": "timeout"})
    assert (a.would_fire, a.firing_now, a.sparkline, a.unknown) == (3, 1, "█·▂█", "")
    assert (b.would_fire, b.sparkline, b.unknown) == (None, "", "timeout")
    assert merged_sparkline(["", "·▄"]) == "·▄" and merged_sparkline([]) == ""
