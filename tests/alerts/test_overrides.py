"""The override form's model: rows read back from the Application, each input checked
before anything changes, removal that leaves the rest of the workflow alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from fleettui.alerts import overrides, rulesets
from fleettui.alerts.overrides import OverrideError
from fleettui.engine.render import MemberCluster

EXAMPLE = Path(__file__).parents[2] / "examples" / "alert-rules.yaml"
FLEET = [MemberCluster("a", {"env": "prod"}), MemberCluster("b", {"env": "prod"}), MemberCluster("edge", {"env": "edge"})]
NAMES = [m.name for m in FLEET]


def _doc() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def _variants(doc: dict) -> dict[str, rulesets.Variant]:
    (rs,) = rulesets.load(yaml.safe_dump(doc), source="x.yaml")
    return {v.cluster: v for v in rulesets.variants(rs, FLEET)}


def _rule(v: rulesets.Variant, name: str) -> dict:
    return next(r for g in v.rule["spec"]["groups"] for r in g["rules"] if r.get("alert") == name)


def test_threshold_override_rewrites_only_the_comparison_number_for_its_cluster() -> None:
    doc = overrides.set_override(_doc(), name="", target="edge", rule="KubePodCrashLooping",
                                 field="expr threshold", value="3", fleet=NAMES)
    got = _variants(doc)
    assert _rule(got["edge"], "KubePodCrashLooping")["expr"].endswith(">= 3")
    assert _rule(got["a"], "KubePodCrashLooping")["expr"].endswith(">= 1")
    [row] = overrides.listing(doc)
    assert (row.name, row.target, row.rule, row.field) == ("kubepodcrashlooping-expr-threshold", "edge",
                                                           "KubePodCrashLooping", "expr")


def test_selector_severity_and_disabled_rows_list_back_and_edit_in_place() -> None:
    doc = overrides.set_override(_doc(), name="edge-quiet", target="env=edge", rule="KubeNodeNotReady",
                                 field="labels.severity", value="warning", fleet=NAMES)
    doc = overrides.set_override(doc, name="edge-quiet", target="env=edge", rule="Watchdog", field="disabled",
                                 value="", fleet=NAMES)
    rows = overrides.listing(doc)
    # the removal runs last: it shifts the indices of the rules after it
    assert [(r.rule, r.field, r.value, r.target) for r in rows] == [
        ("KubeNodeNotReady", "labels.severity", "warning", "env=edge"), ("Watchdog", "disabled", None, "env=edge")]
    got = _variants(doc)
    assert _rule(got["edge"], "KubeNodeNotReady")["labels"]["severity"] == "warning"
    assert "Watchdog" not in rulesets.rule_names(got["edge"].rule) and "Watchdog" in rulesets.rule_names(got["a"].rule)
    # editing the severity row to `info` keeps the policy's other row
    doc = overrides.set_override(doc, name="edge-quiet", target="env=edge", rule="KubeNodeNotReady",
                                 field="labels.severity", value="info", fleet=NAMES, replacing=rows[0])
    assert sorted((r.rule, r.value) for r in overrides.listing(doc)) == [("KubeNodeNotReady", "info"),
                                                                         ("Watchdog", None)]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"target": "nowhere"}, "unknown cluster nowhere"),
    ({"target": "env in (a,b)"}, "by equality only"),
    ({"target": "=edge"}, "target"),
    ({"rule": "NoSuchAlert"}, "no such rule"),
    ({"field": "for", "value": "soon"}, "not a duration"),
    ({"field": "expr threshold", "rule": "Watchdog", "value": "2"}, "no comparison"),
    ({"field": "expr threshold", "value": "two"}, "not a number"),
    ({"value": ""}, "give the new"),
    ({"name": "Bad_Name"}, "policy name"),
])
def test_bad_input_is_a_clear_error_and_the_document_is_untouched(kwargs, message) -> None:
    doc = _doc()
    before = yaml.safe_dump(doc)
    args = {"name": "", "target": "edge", "rule": "KubeNodeNotReady", "field": "for", "value": "5m", **kwargs}
    with pytest.raises(OverrideError, match=message):
        overrides.set_override(doc, fleet=NAMES, **args)
    assert yaml.safe_dump(doc) == before


def test_remove_takes_its_step_and_topology_and_nothing_else() -> None:
    base = overrides.set_override(_doc(), name="edge-slow", target="edge", rule="KubeNodeNotReady", field="for",
                                  value="10m", fleet=NAMES)
    both = overrides.set_override(base, name="b-loud", target="b", rule="KubePodPending", field="labels.severity",
                                  value="critical", fleet=NAMES)
    left = overrides.remove_override(both, "b-loud")
    assert left == base
    assert _rule(_variants(left)["b"], "KubePodPending")["labels"]["severity"] == "warning"
    with pytest.raises(OverrideError, match="no override named"):
        overrides.remove_override(left, "b-loud")
