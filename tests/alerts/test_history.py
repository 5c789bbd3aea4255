"""The alert screen's plot: which rule an alert came from, which series is its own."""

from __future__ import annotations

from fleettui.alerts.history import AlertHistory, find_rule, sample, series_of, sparkline

GROUPS = [{"name": "kube", "file": "/tmp/p/rules/monitoring-kube-1234.yaml", "rules": [
    {"type": "recording", "name": "KubeNodeNotReady", "query": "x"},
    {"type": "alerting", "name": "KubeNodeNotReady", "query": "up == 0", "duration": 300,
     "labels": {"severity": "warning"}, "health": "ok"},
    {"type": "alerting", "name": "KubeNodeNotReady", "query": "up == 0", "duration": 900,
     "labels": {"severity": "critical"}, "health": "err", "lastError": "boom"},
]}]


def test_find_rule_matches_name_and_the_labels_the_rule_adds():
    rule = find_rule(GROUPS, "KubeNodeNotReady", {"alertname": "KubeNodeNotReady", "severity": "critical"})
    assert rule is not None and rule.duration == 900 and rule.health == "err" and rule.last_error == "boom"
    assert rule.source == "monitoring-kube-1234.yaml" and rule.group == "kube"
    assert find_rule(GROUPS, "KubeNodeNotReady", {"severity": "info"}) is None
    assert find_rule(GROUPS, "Other", {"severity": "warning"}) is None


def test_series_of_picks_the_alerts_own_series():
    matrix = [{"metric": {"node": "a"}, "values": [[100, "1"]]},
              {"metric": {"__name__": "up", "node": "b"}, "values": [[100, "2"]]}]
    assert series_of(matrix, {"node": "b", "severity": "critical"}) is matrix[1]
    assert series_of(matrix, {"node": "c"}) is None


def test_sample_places_values_on_steps_and_the_gaps_are_where_the_condition_did_not_hold():
    values = sample({"values": [[100, "1"], [120, "3"], [160, "5"], [999, "9"]]}, 100, 20, 4)
    assert values == (1.0, 3.0, None, 5.0)
    h = AlertHistory(None, 100, 160, 20, values)
    assert h.crossings() == [0, 3]
    assert sparkline(values) == "▁▅ █"
    assert sparkline((None, 2.0, 2.0)) == " ██"
    assert sample(None, 0, 1, 2) == (None, None)
