"""shared-resource as KubeVela keeps it: the sharers listed in app.oam.dev/shared-by in
the order they came; deleting the owner hands the object to the next sharer instead of
deleting it; the last sharer deletes it; an object not created as shared is not shared."""

from __future__ import annotations

from engine.conftest import settle
from engine.test_resource_policies_sim import CLUSTER, app, existing
from fleettui.engine.policies import shared


def live(sim) -> dict | None:
    return sim.cluster(CLUSTER).get("configmaps", "shop", "cfg")


def owner_and_sharers(sim) -> tuple[str, str]:
    obj = live(sim)
    assert obj is not None
    return obj["metadata"]["labels"]["app.oam.dev/name"], obj["metadata"]["annotations"][shared.SHARED_BY]


def sharing(name: str, data: str) -> dict:
    doc = app(name, "shared-resource")
    doc["spec"]["components"][0]["properties"]["objects"][1]["data"] = {"a": data}
    return doc


async def _run(hub, sim, doc: dict) -> None:
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", doc["metadata"]["name"])).phase == "running"


async def _delete(hub, sim, name: str) -> None:
    await hub.delete("shop", name)
    assert (await settle(hub, sim, "shop", name)).phase == "deleted"


async def test_deleting_the_owner_hands_the_object_to_the_next_sharer(hub, sim):
    for name in ("first", "second", "third"):
        await _run(hub, sim, sharing(name, name))
    assert owner_and_sharers(sim) == ("first", "shop/first,shop/second,shop/third")
    assert live(sim)["data"] == {"a": "first"}  # the sharers only joined

    await _delete(hub, sim, "first")
    assert owner_and_sharers(sim) == ("second", "shop/second,shop/third")
    assert live(sim)["data"] == {"a": "first"}  # handed over, not deleted nor rewritten

    # the new owner writes it from now on (its next run)
    await hub.restart("shop", "second")
    assert (await settle(hub, sim, "shop", "second")).phase == "running"
    assert live(sim)["data"] == {"a": "second"}
    assert owner_and_sharers(sim) == ("second", "shop/second,shop/third")

    await _delete(hub, sim, "third")  # a sharer that does not own it only leaves the list
    assert owner_and_sharers(sim) == ("second", "shop/second")
    await _delete(hub, sim, "second")  # the last one deletes it
    assert live(sim) is None


async def test_a_sharer_whose_new_revision_drops_the_object_leaves_the_list(hub, sim):
    await _run(hub, sim, sharing("first", "first"))
    await _run(hub, sim, sharing("second", "second"))
    without = sharing("second", "second")
    del without["spec"]["components"][0]["properties"]["objects"][1]
    await _run(hub, sim, without)
    assert owner_and_sharers(sim) == ("first", "shop/first")
    assert live(sim)["data"] == {"a": "first"}


async def test_an_object_not_created_as_shared_is_refused(hub, sim):
    existing(sim, {"app.oam.dev/name": "other", "app.oam.dev/namespace": "shop"})
    await hub.apply(sharing("web", "web"))
    assert (await settle(hub, sim, "shop", "web")).phase == "workflowFailed"
    message = (await hub.get("shop", "web"))["status"]["workflow"]["message"]
    assert "is managed by application shop/other and is not shared" in message
    assert live(sim)["data"] == {"a": "theirs"}


def test_sharer_list_keeps_the_order_and_no_duplicates():
    obj = {"metadata": {"annotations": {shared.SHARED_BY: "a/x,b/y"}}}
    assert shared.sharers(obj) == ["a/x", "b/y"]
    assert shared.add_sharer(shared.sharers(obj), "c/z") == "a/x,b/y,c/z"
    assert shared.add_sharer(shared.sharers(obj), "a/x") == "a/x,b/y"
    assert shared.remove_sharer(shared.sharers(obj), "a/x") == ["b/y"]
    assert shared.sharers({"metadata": {}}) == []


async def test_only_the_owner_keeps_a_shared_object_and_the_repair_keeps_the_sharers(hub, sim):
    await _run(hub, sim, sharing("first", "first"))
    await _run(hub, sim, sharing("second", "second"))
    cluster = sim.cluster(CLUSTER)
    edited = live(sim)
    edited["data"] = {"a": "by hand"}
    cluster.update("configmaps", edited)
    report = await hub.engine.keep_state()
    assert report.errors == {} and report.repaired == 1  # once, by the owner; the sharer does not write
    assert live(sim)["data"] == {"a": "first"}
    assert owner_and_sharers(sim) == ("first", "shop/first,shop/second")
    assert [r.action for r in await hub.records.drift("shop", "second")] == []
