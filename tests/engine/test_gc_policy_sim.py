"""The garbage-collect policy on the simulator: keepLegacyResource, and rules choosing
onAppUpdate / onAppDelete / never by resource type or by trait type."""

from __future__ import annotations

import copy

import pytest

from engine.conftest import settle
from engine.test_model import problems
from engine.test_workflow_sim import web_app
from fleettui.engine.policies.garbage_collect import GCPolicy, Rule

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
CLUSTER = "ack-hangzhou-a"


def with_gc(doc: dict, props: dict | None) -> dict:
    doc = copy.deepcopy(doc)
    if props is not None:
        doc["spec"]["policies"].append({"type": "garbage-collect", "properties": props})
    return doc


def cm(sim):
    return sim.cluster(CLUSTER).get("configmaps", "shop", "cfg")


async def update_then_delete(hub, sim, gc: dict | None) -> tuple[bool, bool]:
    """(ConfigMap still there after an update that drops it, still there after the delete)."""
    await hub.apply(with_gc(web_app(extra_objects=[CM]), gc))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert cm(sim) is not None
    await hub.apply(with_gc(web_app(image="nginx:1.28"), gc))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    after_update = cm(sim) is not None
    await hub.delete("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "deleted"
    assert sim.cluster(CLUSTER).get("deployments.apps", "shop", "web") is None
    return after_update, cm(sim) is not None


@pytest.mark.parametrize(("gc", "expected"), [
    (None, (False, False)),
    ({"keepLegacyResource": True}, (True, False)),
    ({"rules": [{"selector": {"resourceTypes": ["ConfigMap"]}, "strategy": "onAppDelete"}]}, (True, False)),
    ({"rules": [{"selector": {"resourceTypes": ["ConfigMap"]}, "strategy": "never"}]}, (True, True)),
    ({"rules": [{"selector": {"resourceTypes": ["Secret"]}, "strategy": "never"}]}, (False, False)),
])
async def test_garbage_collect_strategies(hub, sim, gc, expected):
    assert await update_then_delete(hub, sim, gc) == expected


async def test_a_trait_type_rule_reads_the_live_objects_labels(hub, sim):
    def app(expose: bool) -> dict:
        comp = {"name": "web", "type": "webservice", "properties": {"image": "nginx:1.27", "ports": [{"port": 80}]},
                "traits": [{"type": "expose", "properties": {"port": [80]}}] if expose else []}
        doc = web_app()
        doc["spec"]["components"] = [comp]
        doc["spec"]["policies"].append({"type": "garbage-collect", "properties": {
            "rules": [{"selector": {"traitTypes": ["expose"]}, "strategy": "never"}]}})
        return doc

    await hub.apply(app(True))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    svc = sim.cluster(CLUSTER).get("services", "shop", "web")
    assert svc is not None and svc["metadata"]["labels"]["trait.oam.dev/type"] == "expose"
    await hub.apply(app(False))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert sim.cluster(CLUSTER).get("services", "shop", "web") is not None
    await hub.delete("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "deleted"
    assert sim.cluster(CLUSTER).get("services", "shop", "web") is not None  # never
    assert sim.cluster(CLUSTER).get("deployments.apps", "shop", "web") is None


def test_rule_matching_and_first_rule_wins():
    gc = GCPolicy(rules=(Rule({"oamTypes": ("TRAIT",)}, "never"), Rule({"componentNames": ("web",)}, "onAppDelete")))
    labels = {"trait.oam.dev/type": "expose"}
    assert gc.strategy(kind="Service", name="s", component="web", labels=labels) == "never"
    assert gc.strategy(kind="Deployment", name="d", component="web",
                       labels={"trait.oam.dev/type": "AuxiliaryWorkload"}) == "onAppDelete"
    assert gc.strategy(kind="Deployment", name="d", component="db") == "onAppUpdate"


def test_garbage_collect_validation_names_the_field():
    doc = web_app()
    doc["spec"]["policies"].append({"type": "garbage-collect", "properties": {
        "keepLegacyResource": "yes", "rules": [{"selector": {"kinds": ["x"]}, "strategy": "sometimes"},
                                               {"strategy": "never"},
                                               {"selector": {"oamTypes": ["WORKLOAD"]}}]}})
    fields = {x.split(":")[0] for x in problems(doc)}
    base = "spec.policies[2].properties"
    assert {f"{base}.keepLegacyResource", f"{base}.rules[0].selector.kinds", f"{base}.rules[0].strategy",
            f"{base}.rules[1].selector", f"{base}.rules[2].selector.oamTypes"} <= fields
