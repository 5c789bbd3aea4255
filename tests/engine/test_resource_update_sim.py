"""The resource-update policy: recreateFields (delete and create when an immutable field
changes) and op: replace (the whole object written, others' fields gone)."""

from __future__ import annotations

from engine.conftest import settle
from engine.test_model import problems
from engine.test_workflow_sim import web_app

CLUSTER = "ack-hangzhou-a"


def app(selector_label: str, rule: dict | None) -> dict:
    doc = web_app()
    dep = doc["spec"]["components"][0]["properties"]["objects"][0]
    dep["spec"]["selector"]["matchLabels"] = {"app": selector_label}
    dep["spec"]["template"]["metadata"]["labels"] = {"app": selector_label}
    doc["spec"]["policies"] = doc["spec"]["policies"][:1]
    if rule:
        doc["spec"]["policies"].append({"type": "resource-update", "properties": {"rules": [rule]}})
    return doc


def live(sim):
    return sim.cluster(CLUSTER).get("deployments.apps", "shop", "web")


async def test_recreate_fields_delete_and_create_on_change(hub, sim):
    rule = {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"recreateFields": ["spec.selector"]}}
    await hub.apply(app("web", rule))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    uid = live(sim)["metadata"]["uid"]
    await hub.apply(app("web-v2", rule))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert live(sim)["spec"]["selector"]["matchLabels"] == {"app": "web-v2"}
    assert live(sim)["metadata"]["uid"] != uid


async def test_replace_writes_the_whole_object(hub, sim):
    rule = {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"op": "replace"}}
    await hub.apply(app("web", rule))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    sim.cluster(CLUSTER).patch_metadata("deployments.apps", "shop", "web", annotations={"someone/else": "x"})
    doc = app("web", rule)
    doc["spec"]["components"][0]["properties"]["objects"][0]["spec"]["replicas"] = 2
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    obj = live(sim)
    assert obj["spec"]["replicas"] == 2 and "someone/else" not in (obj["metadata"].get("annotations") or {})


def test_resource_update_validation_names_the_field():
    doc = app("web", {"selector": {"resourceTypes": ["Deployment"]}, "strategy": {"op": "merge", "recreate": 1}})
    fields = {x.split(":")[0] for x in problems(doc)}
    base = "spec.policies[1].properties.rules[0].strategy"
    assert {f"{base}.op", f"{base}.recreate"} <= fields
