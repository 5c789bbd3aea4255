"""The pause label and the publishVersion annotation, honoured as KubeVela does."""

from __future__ import annotations

import copy

from engine.conftest import settle
from engine.test_workflow_sim import web_app
from fleettui.engine.app_controls import PAUSE_LABEL, PUBLISH_VERSION


def image_of(sim, cluster: str) -> str | None:
    dep = sim.cluster(cluster).get("deployments.apps", "shop", "web")
    return dep["spec"]["template"]["spec"]["containers"][0]["image"] if dep else None


async def test_a_paused_application_is_left_alone_until_the_label_goes(hub, sim):
    doc = web_app()
    doc["metadata"]["labels"] = {PAUSE_LABEL: "true"}
    await hub.apply(doc)
    before = sim.mutations("ack-hangzhou-a")
    assert (await hub.engine.reconcile("shop", "web")).settled
    assert await hub.engine.run_pending() == {}
    assert sim.mutations("ack-hangzhou-a") == before and image_of(sim, "ack-hangzhou-a") is None
    del doc["metadata"]["labels"][PAUSE_LABEL]
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert image_of(sim, "ack-hangzhou-a") == "nginx:1.27"


async def test_publish_version_gates_new_revisions(hub, sim):
    doc = web_app()
    doc["metadata"]["annotations"] = {PUBLISH_VERSION: "alpha1"}
    await hub.apply(doc)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    first = (await hub.get("shop", "web"))["status"]["latestRevision"]
    assert first["publishVersion"] == "alpha1"

    edited = web_app(image="nginx:1.28")
    edited["metadata"]["annotations"] = {PUBLISH_VERSION: "alpha1"}
    await hub.apply(edited)
    assert await hub.engine.run_pending() == {}  # an edit without a publish is no work
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert (await hub.get("shop", "web"))["status"]["latestRevision"] == first
    assert image_of(sim, "ack-hangzhou-a") == "nginx:1.27"

    published = copy.deepcopy(edited)
    published["metadata"]["annotations"][PUBLISH_VERSION] = "alpha2"
    await hub.apply(published)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    latest = (await hub.get("shop", "web"))["status"]["latestRevision"]
    assert latest["publishVersion"] == "alpha2" and latest["revision"] == first["revision"] + 1
    assert image_of(sim, "ack-hangzhou-a") == "nginx:1.28"

    # a new publish of the same spec runs the workflow again (KubeVela re-runs it)
    again = copy.deepcopy(published)
    again["metadata"]["annotations"][PUBLISH_VERSION] = "alpha3"
    await hub.apply(again)
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    status = (await hub.get("shop", "web"))["status"]
    assert status["latestRevision"]["publishVersion"] == "alpha3"
    assert status["workflow"]["finished"]
