"""take-over, read-only and shared-resource on the simulator: an object another
application (or nobody) made is refused, taken over, only read, or shared."""

from __future__ import annotations

import copy

from engine.conftest import settle
from engine.test_model import problems
from engine.test_workflow_sim import web_app

CLUSTER = "ack-hangzhou-a"
CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "mine"}}
SEL = {"rules": [{"selector": {"resourceTypes": ["ConfigMap"]}}]}


def app(name: str, policy: str | None = None) -> dict:
    doc = web_app(name, extra_objects=[copy.deepcopy(CM)])
    doc["spec"]["policies"] = doc["spec"]["policies"][:1]  # the first cluster only
    if policy:
        doc["spec"]["policies"].append({"type": policy, "properties": SEL})
    return doc


def existing(sim, labels: dict | None = None) -> None:
    sim.cluster(CLUSTER).create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "cfg", "namespace": "shop", "labels": labels or {}}, "data": {"a": "theirs"}})


def data(sim) -> dict | None:
    obj = sim.cluster(CLUSTER).get("configmaps", "shop", "cfg")
    return obj and obj.get("data")


async def test_without_a_policy_an_object_not_ours_is_refused(hub, sim):
    existing(sim)
    await hub.apply(app("web"))
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowFailed"
    assert "does not take over objects" in (await hub.get("shop", "web"))["status"]["workflow"]["message"]
    assert data(sim) == {"a": "theirs"}


async def test_take_over_applies_and_owns_it(hub, sim):
    existing(sim, {"app.oam.dev/name": "other", "app.oam.dev/namespace": "shop"})
    await hub.apply(app("web", "take-over"))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    obj = sim.cluster(CLUSTER).get("configmaps", "shop", "cfg")
    assert obj["data"] == {"a": "mine"} and obj["metadata"]["labels"]["app.oam.dev/name"] == "web"
    await hub.delete("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "deleted"
    assert data(sim) is None  # taken over: ours to delete


async def test_read_only_reads_and_never_writes_or_deletes(hub, sim):
    await hub.apply(app("web", "read-only"))
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowFailed"
    assert "read-only policy" in (await hub.get("shop", "web"))["status"]["workflow"]["message"]
    existing(sim)
    await hub.restart("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert data(sim) == {"a": "theirs"}
    await hub.engine.keep_state()
    assert data(sim) == {"a": "theirs"}  # no drift repair either
    await hub.delete("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "deleted"
    assert data(sim) == {"a": "theirs"}


async def test_shared_resource_is_left_to_the_application_that_made_it(hub, sim):
    await hub.apply(app("first", "shared-resource"))
    assert (await settle(hub, sim, "shop", "first")).phase == "running"
    second = app("second", "shared-resource")
    second["spec"]["components"][0]["properties"]["objects"][1]["data"] = {"a": "second"}
    await hub.apply(second)
    assert (await settle(hub, sim, "shop", "second")).phase == "running"
    obj = sim.cluster(CLUSTER).get("configmaps", "shop", "cfg")
    assert obj["data"] == {"a": "mine"} and obj["metadata"]["labels"]["app.oam.dev/name"] == "first"
    await hub.delete("shop", "second")
    assert (await settle(hub, sim, "shop", "second")).phase == "deleted"
    assert data(sim) == {"a": "mine"}


def test_resource_policy_validation_names_the_field():
    doc = app("web")
    doc["spec"]["policies"] += [{"type": "take-over", "properties": {}},
                                {"type": "read-only", "properties": {"rules": [{"selector": {"kind": ["x"]}}]}}]
    fields = {x.split(":")[0] for x in problems(doc)}
    assert {"spec.policies[1].properties.rules", "spec.policies[2].properties.rules[0].selector.kind"} <= fields
