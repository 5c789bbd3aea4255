"""Rule sets: variants per cluster from the engine's own render, rule names resolved."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fleettui.alerts import rulesets
from fleettui.alerts.rulesets import RuleSetError
from fleettui.engine.override import json_patch
from fleettui.engine.render import MemberCluster

EXAMPLE = Path(__file__).parents[2] / "examples" / "alert-rules.yaml"
FLEET = [MemberCluster("a", {"env": "prod"}), MemberCluster("b", {"env": "prod"}), MemberCluster("edge", {"env": "edge"})]


def expr_of(variant: rulesets.Variant, alert: str) -> dict:
    return next(r for g in variant.rule["spec"]["groups"] for r in g["rules"] if r.get("alert") == alert)


def test_override_by_rule_name_reaches_only_its_cluster_and_ships_as_plain_json_patch() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc = rulesets.add_override(doc, name="edge-slow", rule="KubeNodeNotReady", field_name="for", value="10m",
                                clusters=["edge"])
    (rs,) = rulesets.load(yaml.safe_dump(doc), source="x.yaml")
    got = {v.cluster: v for v in rulesets.variants(rs, FLEET)}
    assert [expr_of(got[c], "KubeNodeNotReady")["for"] for c in ("a", "b", "edge")] == ["2m", "2m", "10m"]
    assert got["a"].label == "base" and got["edge"].label == "edge-slow"
    assert got["edge"].changes == (("groups[0].rules[2].for", "2m", "10m"),)
    # what ships counts indices and pins the name, so a reordered rule list fails instead
    ops = rs.document["spec"]["policies"][-1]["properties"]["components"][0]["traits"][0]["properties"]["operations"]
    assert ops == [{"op": "test", "path": "/spec/groups/0/name", "value": "fleet.rules"},
                   {"op": "test", "path": "/spec/groups/0/rules/2/alert", "value": "KubeNodeNotReady"},
                   {"op": "add", "path": "/spec/groups/0/rules/2/for", "value": "10m"}]
    reordered = dict(rs.rule, spec={"groups": [dict(rs.rule["spec"]["groups"][0],
                                                    rules=rs.rule["spec"]["groups"][0]["rules"][1:] + rs.rule["spec"]["groups"][0]["rules"][:1])]})
    with pytest.raises(ValueError, match="test failed"):
        json_patch(reordered, ops)


def test_disabled_rule_and_selector_override() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc = rulesets.add_override(doc, name="no-watchdog-edge", rule="Watchdog", field_name="", value=None,
                                selector={"env": "edge"})
    (rs,) = rulesets.load(yaml.safe_dump(doc))
    got = {v.cluster: rulesets.rule_names(v.rule) for v in rulesets.variants(rs, FLEET)}
    assert "Watchdog" in got["a"] and "Watchdog" not in got["edge"]


def test_bare_rule_is_wrapped_with_clusters() -> None:
    text = """
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: cpu, namespace: monitoring}
spec:
  groups:
  - name: g
    rules:
    - {alert: Busy, expr: 'up > 0'}
"""
    (rs,) = rulesets.load(text, clusters=["b"])
    assert [v.cluster for v in rulesets.variants(rs, FLEET)] == ["b"]
    assert rs.name == "monitoring/cpu"


def test_unknown_rule_name_and_yaml_position_are_refused() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["spec"]["policies"].append({"name": "o", "type": "override", "properties": {"components": [
        {"name": "fleet-alerts", "traits": [{"type": "json-patch", "properties": {"operations": [
            {"op": "replace", "path": "/spec/groups/fleet.rules/rules/NoSuchAlert/for", "value": "1m"}]}}]}]}})
    with pytest.raises(RuleSetError, match="no rule named 'NoSuchAlert'"):
        rulesets.load(yaml.safe_dump(doc), source="f.yaml")
    with pytest.raises(RuleSetError, match=r"^f.yaml:3:7: invalid YAML"):
        rulesets.load("a: 1\nb:\n  c: d: e\n", source="f.yaml")
