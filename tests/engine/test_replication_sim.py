"""The replication policy: one copy of each selected component per key, `<component>-<key>`,
after the step's overrides (KubeVela's order)."""

from __future__ import annotations

from engine.conftest import settle
from engine.test_model import problems
from fleettui.engine.render import MemberCluster, render_step
from fleettui.engine.validate import parse_application


def doc(selector=None) -> dict:
    return {
        "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
        "metadata": {"name": "hello", "namespace": "shop"},
        "spec": {
            "components": [
                {"name": "hello-rep", "type": "webservice", "properties": {"image": "nginx:1.27"}},
                {"name": "plain", "type": "worker", "properties": {"image": "busybox:1.36"}},
            ],
            "policies": [
                {"name": "where", "type": "topology", "properties": {"clusters": ["ack-hangzhou-a"]}},
                {"name": "bigger", "type": "override", "properties": {"components": [
                    {"name": "hello-rep", "traits": [{"type": "scaler", "properties": {"replicas": 2}}]}]}},
                {"name": "rep", "type": "replication", "properties": {
                    "keys": ["beijing", "hangzhou"], **({"selector": selector} if selector is not None else {})}},
            ],
            "workflow": {"steps": [{"name": "deploy", "type": "deploy",
                                    "properties": {"policies": ["where", "bigger", "rep"]}}]},
        },
    }


def test_copies_per_key_after_overrides():
    app = parse_application(doc(["hello-rep"]))
    [pl] = render_step(app, ["where", "bigger", "rep"], [MemberCluster("ack-hangzhou-a")], revision="hello-v1")
    deployments = {m.object["metadata"]["name"]: m for m in pl.manifests if m.object["kind"] == "Deployment"}
    assert sorted(deployments) == ["hello-rep-beijing", "hello-rep-hangzhou", "plain"]
    dep = deployments["hello-rep-beijing"].object
    assert dep["spec"]["replicas"] == 2  # the override reached the copies
    assert dep["metadata"]["labels"]["app.oam.dev/component"] == "hello-rep-beijing"
    assert deployments["hello-rep-beijing"].component == "hello-rep-beijing"
    # without a selector every component is copied
    app = parse_application(doc())
    [pl] = render_step(app, ["where", "rep"], [MemberCluster("ack-hangzhou-a")], revision="hello-v1")
    assert sorted(m.object["metadata"]["name"] for m in pl.manifests) == [
        "hello-rep-beijing", "hello-rep-hangzhou", "plain-beijing", "plain-hangzhou"]


def test_replication_validation_names_the_field():
    d = doc(["nope"])
    d["spec"]["policies"][2]["properties"]["keys"] = ["Bad_Key", "ok"]
    fields = [x.split(":")[0] for x in problems(d)]
    assert "spec.policies[2].properties.selector[0]" in fields
    d = doc()
    d["spec"]["policies"][2]["properties"]["keys"] = []
    assert [x.split(":")[0] for x in problems(d)] == ["spec.policies[2].properties.keys"]


async def test_replicated_components_run_healthy(hub, sim):
    await hub.apply(doc(["hello-rep"]))
    assert (await settle(hub, sim, "shop", "hello")).phase == "running"
    cluster = sim.cluster("ack-hangzhou-a")
    for name in ("hello-rep-beijing", "hello-rep-hangzhou", "plain"):
        assert cluster.get("deployments.apps", "shop", name) is not None
    services = {s["name"] for s in (await hub.get("shop", "hello"))["status"]["services"]}
    assert services == {"hello-rep-beijing", "hello-rep-hangzhou", "plain"}
