"""Offline checks: schema, Prometheus' own parser on every variant, the operator's cut-offs."""

from __future__ import annotations

import shutil

import pytest

from fleettui.alerts import checks
from fleettui.alerts.rulesets import Variant


def prule(*rules: dict, **group: object) -> dict:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "r"},
            "spec": {"groups": [{"name": "g", **group, "rules": list(rules)}]}}


def test_schema_names_every_problem() -> None:
    got = checks.schema(prule({"alert": "A", "record": "b", "expr": "up"}, {"alert": "B", "for": "soon"},
                              {"record": "x-y", "expr": "up", "for": "1m", "sevrity": "x"}))
    assert got == [("g/A", "exactly one of alert or record is required"),
                   ("g/B", "expr: required (a PromQL expression)"),
                   ("g/B", "for: 'soon' is not a duration (e.g. 30s, 5m)"),
                   ("g/x-y", "unknown field 'sevrity'"),
                   ("g/x-y", "record: 'x-y' is not a valid metric name"),
                   ("g/x-y", "for: only alerting rules have it")]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (make test installs it)")
def test_promtool_error_on_the_override_only_with_rule_and_position() -> None:
    good = Variant("a", prule({"alert": "Busy", "expr": "up > 1"}), "deploy")
    bad = Variant("b", prule({"alert": "Busy", "expr": "sum(rate(up[5m])"}), "deploy-edge", ("edge",))
    got = checks.offline([good, bad], versions={"a": (2, 42, 0), "b": (2, 42, 0)})
    assert [str(f) for f in got] == [
        "error: [b] g/Busy: could not parse expression: 1:17: parse error: unclosed left parenthesis"]


def test_cutoffs_by_version() -> None:
    rule = prule({"alert": "A", "expr": "up", "keep_firing_for": "5m"}, query_offset="1m")
    assert checks.cutoffs(rule, (2, 42, 0)) == [
        ("g", "query_offset is dropped: it needs Prometheus >= 2.53.0, this one runs 2.42.0")]
    assert [r for r, _ in checks.cutoffs(rule, (2, 41, 0))] == ["g", "g/A"]
    assert checks.parse_version("2.42.0+ds") == (2, 42, 0)
