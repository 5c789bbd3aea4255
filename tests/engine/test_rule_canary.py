"""A rule set distributed canary-first (the rule editor's plan, `c`): the engine places the
canary's own variant, stops at the gate with nothing on the other clusters, and after
resume every cluster ends with its variant. A read-only process is refused at the
store's write choke point, with nothing recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.conftest import cluster_labels, settle
from fleettui.alerts import overrides, rulesets
from fleettui.config import mode
from fleettui.engine.render import MemberCluster

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "alert-rules.yaml"
RULES = "prometheusrules.monitoring.coreos.com"


def _ruleset(sim) -> tuple[rulesets.RuleSet, list[rulesets.Variant], str]:
    labels = cluster_labels(sim)
    fleet = [MemberCluster(n, labels.get(n, {})) for n in sim.cluster_names]
    slow = fleet[-1].name
    doc = overrides.set_override(yaml.safe_load(EXAMPLE.read_text()), name="slow", target=slow,
                                 rule="KubeNodeNotReady", field="for", value="10m", fleet=[m.name for m in fleet])
    (rs,) = rulesets.load(yaml.safe_dump(doc))
    return rs, rulesets.variants(rs, fleet), slow


def _for(obj: dict) -> str:
    return next(r["for"] for g in obj["spec"]["groups"] for r in g["rules"] if r.get("alert") == "KubeNodeNotReady")


async def test_canary_first_places_the_canary_then_waits_at_the_gate(hub, sim):
    rs, placed, slow = _ruleset(sim)
    doc = rulesets.canary_first(rs, placed)
    steps = doc["spec"]["workflow"]["steps"]
    assert [(s["name"], s["type"]) for s in steps[:2]] == [("deploy-canary", "deploy"), ("gate", "suspend")]
    canary = placed[0].cluster  # the first cluster that gets the base
    assert next(p for p in doc["spec"]["policies"] if p["name"] == "canary")["properties"] == {"clusters": [canary]}
    # the workflow around the gate leaves every cluster's variant as it was
    assert [(v.cluster, v.rule) for v in rulesets.variants(rulesets.from_document(doc), [
        MemberCluster(n, cluster_labels(sim).get(n, {})) for n in sim.cluster_names])] == \
        [(v.cluster, v.rule) for v in placed]

    await hub.apply(doc)
    result = await settle(hub, sim, "monitoring", "fleet-alerts")
    assert result.phase == "workflowSuspending"
    assert sim.cluster(canary).get(RULES, "monitoring", "fleet-alerts") is not None
    assert all(sim.cluster(c).get(RULES, "monitoring", "fleet-alerts") is None
               for c in sim.cluster_names if c != canary)

    await hub.resume("monitoring", "fleet-alerts", step="gate")
    assert (await settle(hub, sim, "monitoring", "fleet-alerts")).phase == "running"
    held = {c: sim.cluster(c).get(RULES, "monitoring", "fleet-alerts") for c in sim.cluster_names}
    assert {c: _for(o) for c, o in held.items()} == {c: ("10m" if c == slow else "2m") for c in sim.cluster_names}


async def test_a_canary_rule_set_is_refused_in_read_only_and_nothing_is_recorded(hub, sim):
    rs, placed, _ = _ruleset(sim)
    with mode.session_mode(read_only=True), pytest.raises(mode.WriteRefused):
        await hub.apply(rulesets.canary_first(rs, placed))
    assert await hub.get("monitoring", "fleet-alerts") is None
    assert all(sim.cluster(c).get(RULES, "monitoring", "fleet-alerts") is None for c in sim.cluster_names)
