"""apply-object and depends-on-app on the simulator."""

from __future__ import annotations

from engine.conftest import settle
from engine.test_model import problems
from engine.test_workflow_sim import phases, web_app

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "shop"},
      "data": {"mode": "canary"}}


def with_object(value=CM, name="web") -> dict:
    return web_app(name, steps=[
        {"name": "settings", "type": "apply-object", "properties": {"value": value, "cluster": "idc-beijing"}},
        {"name": "first", "type": "deploy", "properties": {"policies": ["first"]}}])


async def test_apply_object_applies_tracks_and_collects(hub, sim):
    await hub.apply(with_object())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    app = await hub.get("shop", "web")
    assert app["status"]["workflow"]["steps"][0]["message"] == \
        "applied ConfigMap shop/settings to cluster idc-beijing"
    obj = sim.cluster("idc-beijing").get("configmaps", "shop", "settings")
    assert obj["data"] == {"mode": "canary"} and obj["metadata"]["labels"]["app.oam.dev/name"] == "web"
    # a new revision without the step: the object is garbage collected
    await hub.apply(web_app(steps=[{"name": "first", "type": "deploy", "properties": {"policies": ["first"]}}]))
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    assert sim.cluster("idc-beijing").get("configmaps", "shop", "settings") is None
    await hub.apply(with_object())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    await hub.delete("shop", "web")
    assert (await settle(hub, sim, "shop", "web")).phase == "deleted"
    assert sim.cluster("idc-beijing").get("configmaps", "shop", "settings") is None


async def test_depends_on_app_waits_for_the_other_application(hub, sim):
    dependent = web_app("api", steps=[
        {"name": "needs-db", "type": "depends-on-app", "properties": {"name": "db", "namespace": "shop"}},
        {"name": "first", "type": "deploy", "properties": {"policies": ["first"]}}])
    await hub.apply(dependent)
    for _ in range(3):
        await hub.engine.reconcile("shop", "api")
        await sim.advance(2)
    app = await hub.get("shop", "api")
    assert phases(app) == {"needs-db": "running", "first": "pending"}
    assert "waiting for application shop/db: not found" in app["status"]["workflow"]["steps"][0]["message"]
    await hub.apply(web_app("db"))
    assert (await settle(hub, sim, "shop", "db")).phase == "running"
    assert (await settle(hub, sim, "shop", "api")).phase == "running"
    assert phases(await hub.get("shop", "api")) == {"needs-db": "succeeded", "first": "succeeded"}


def test_object_step_validation_names_the_field():
    got = problems(with_object(value={"kind": "ConfigMap", "metadata": {}}) | {})
    fields = {x.split(":")[0] for x in got}
    assert {"spec.workflow.steps[0].properties.value.apiVersion",
            "spec.workflow.steps[0].properties.value.metadata.name"} <= fields
    d = web_app(steps=[{"name": "x", "type": "depends-on-app", "properties": {"namespace": "Bad_NS"}},
                       {"name": "y", "type": "apply-object", "properties": {"value": CM}}])
    fields = {x.split(":")[0] for x in problems(d)}
    assert {"spec.workflow.steps[0].properties.name", "spec.workflow.steps[0].properties.namespace",
            "spec.workflow.steps[1].properties.cluster"} <= fields


def components_app() -> dict:
    return {
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": "shop-front", "namespace": "shop"},
        "spec": {
            "components": [
                {"name": "backend", "type": "worker", "properties": {"image": "busybox:1.36"}},
                {"name": "frontend", "type": "webservice",
                 "properties": {"image": "nginx:1.27", "ports": [{"port": 80, "expose": True}]}},
            ],
            "workflow": {"steps": [
                {"name": "backend-on-beijing", "type": "apply-component",
                 "properties": {"component": "backend", "cluster": "idc-beijing"}},
                {"name": "frontend-on-hangzhou", "type": "apply-component",
                 "properties": {"component": "frontend", "cluster": "ack-hangzhou-a"}},
            ]},
        },
    }


async def test_apply_component_puts_each_component_on_its_cluster(hub, sim):
    await hub.apply(components_app())
    assert (await settle(hub, sim, "shop", "shop-front")).phase == "running"
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "backend") is not None
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "frontend") is None
    assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "frontend") is not None
    assert sim.cluster("ack-hangzhou-a").get("services", "shop", "frontend") is not None
    status = (await hub.get("shop", "shop-front"))["status"]
    assert status["workflow"]["steps"][1]["message"] == \
        "component frontend applied to cluster ack-hangzhou-a and healthy"
    assert {(s["name"], s["cluster"], s["healthy"]) for s in status["services"]} == {
        ("backend", "idc-beijing", True), ("frontend", "ack-hangzhou-a", True)}
    await hub.delete("shop", "shop-front")
    assert (await settle(hub, sim, "shop", "shop-front")).phase == "deleted"
    assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "frontend") is None


def test_apply_component_validation_names_the_field():
    d = components_app()
    d["spec"]["workflow"]["steps"][0]["properties"] = {"component": "nope"}
    fields = {x.split(":")[0] for x in problems(d)}
    assert {"spec.workflow.steps[0].properties.component", "spec.workflow.steps[0].properties.cluster"} <= fields
