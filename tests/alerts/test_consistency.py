"""The consistency cell: every state from observed facts (pure)."""

from __future__ import annotations

import copy

import pytest

from fleettui.alerts import consistency as cs
from fleettui.alerts.consistency import ClusterFacts, cell, matrix
from fleettui.alerts.rulesets import Variant

RULE = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": "fleet-alerts", "namespace": "monitoring"},
        "spec": {"groups": [{"name": "fleet.rules", "rules": [
            {"alert": "Watchdog", "expr": "vector(1)"},
            {"alert": "KubeNodeNotReady", "expr": "kube_node_status_condition == 1", "for": "2m",
             "keep_firing_for": "5m"}]}]}}


def live(rule=RULE, rv="7", uid="u1") -> dict:
    obj = copy.deepcopy(rule)
    obj["metadata"].update(resourceVersion=rv, uid=uid)
    return obj


def groups(*rules, health="ok", error="") -> list[dict]:
    names = rules or ("Watchdog", "KubeNodeNotReady")
    return [{"name": "fleet.rules", "file": "/tmp/x/rules/monitoring-fleet-alerts-u1.yaml",
             "rules": [{"name": n, "health": health if n != "Watchdog" else "ok",
                        "lastError": error if n != "Watchdog" else ""} for n in names]},
            {"name": "other", "file": "/tmp/x/rules/monitoring-fleet-alerts-extra-u9.yaml", "rules": []}]


def event(reason: str, message: str, rv="7", uid="u1") -> dict:
    return {"reason": reason, "message": message, "type": "Warning", "lastTimestamp": "2027-01-15T08:00:00Z",
            "involvedObject": {"kind": "PrometheusRule", "name": "fleet-alerts", "uid": uid, "resourceVersion": rv}}


VARIANT = Variant("a", RULE, "deploy")
OK = {"live": live(), "rule_groups": groups(), "firing": {"Watchdog"}, "alertmanager": {"Watchdog"}}


def state(**facts) -> cs.Cell:
    return cell("monitoring/alerts", "a", VARIANT, ClusterFacts(**{**OK, **facts}))


def test_in_sync() -> None:
    c = state()
    assert c.state == cs.IN_SYNC and c.problems == () and c.variant == "base"


@pytest.mark.parametrize(("facts", "want", "says"), [
    ({"live": None}, cs.MISSING, "holds no PrometheusRule"),
    ({"live": RuntimeError("connection refused")}, cs.UNKNOWN, "connection refused"),
    ({"rule_groups": [], "events": [event("InvalidConfiguration", "1:10: parse error")]}, cs.REJECTED,
     "rejected by the operator: 1:10: parse error"),
    ({"events": [event("UnsupportedField", "keep_firing_for needs Prometheus >= 2.42.0; dropped")]}, cs.DROPPED,
     "keep_firing_for needs"),
    ({"rule_groups": groups()[1:]}, cs.NOT_LOADED, "absent from its Prometheus"),
    ({"rule_groups": groups("Watchdog")}, cs.NOT_LOADED, "rules not loaded: KubeNodeNotReady"),
    ({"rule_groups": groups(health="err", error="vector contains metrics with the same labelset")},
     cs.LOAD_ERRORS, "KubeNodeNotReady: err: vector contains"),
    ({"rule_groups": None, "prom_error": "timed out"}, cs.UNREACHABLE, "its Prometheus: timed out"),
    ({"firing": set()}, cs.PIPELINE_BROKEN, "Watchdog is not firing"),
    ({"alertmanager": set()}, cs.PIPELINE_BROKEN, "Alertmanager has not received"),
])
def test_each_state(facts, want, says) -> None:
    c = state(**facts)
    assert c.state == want, c.problems
    assert says in c.detail


def test_drift_names_the_paths_and_keeps_both_sides() -> None:
    changed = copy.deepcopy(RULE)
    changed["spec"]["groups"][0]["rules"][1]["for"] = "10m"
    c = state(live=live(changed))
    assert c.state == cs.DRIFTED and c.diff == (("groups[0].rules[1].for", "10m", "2m"),)
    assert c.live["spec"]["groups"][0]["rules"][1]["for"] == "10m" and c.expected is RULE


def test_an_old_rejection_is_history_once_the_object_changed() -> None:
    assert state(events=[event("InvalidConfiguration", "bad", rv="5")]).state == cs.IN_SYNC
    assert state(events=[event("InvalidConfiguration", "bad", uid="old")]).state == cs.IN_SYNC


def test_worst_state_shown_others_kept() -> None:
    changed = copy.deepcopy(RULE)
    changed["spec"]["groups"][0]["rules"][1]["for"] = "10m"
    c = state(live=live(changed), firing=set())
    assert c.state == cs.DRIFTED and [s for s, _ in c.problems] == [cs.DRIFTED, cs.PIPELINE_BROKEN]


def test_not_placed_and_matrix() -> None:
    a = state()
    b = cell("monitoring/alerts", "b", None, ClusterFacts(None))
    m = matrix([a, b])
    assert b.state == cs.NOT_PLACED and m.clusters == ("a", "b") and m.row("monitoring/alerts") == [a, b] and m.ok
    assert not matrix([a, state(live=None)]).ok
