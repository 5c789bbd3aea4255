"""A webservice + worker + task application with scaler/env/gateway/storage traits on
two simulated clusters: applied, healthy, rendered as KubeVela renders it, and the
status message the webservice definition declares."""

from __future__ import annotations

from engine.conftest import EXAMPLES, settle
from fleettui.engine.model import load_documents


async def test_webservice_worker_task_on_two_clusters(hub, sim):
    doc = load_documents((EXAMPLES / "webservice.yaml").read_text())[0]
    await hub.apply(doc)
    result = await settle(hub, sim, "shop", "storefront", passes=40)
    assert result.phase == "running", result
    app = await hub.get("shop", "storefront")
    # the anonymous topology policy is named as KubeVela names it
    assert [s["name"] for s in app["status"]["workflow"]["steps"]] == ["deploy-topology-auto-gen-0"]
    services = {(s["cluster"], s["name"]): s for s in app["status"]["services"]}
    assert set(services) == {(c, n) for c in ("ack-hangzhou-a", "idc-beijing") for n in ("frontend", "mailer", "migrate")}
    for cluster in ("ack-hangzhou-a", "idc-beijing"):
        assert services[(cluster, "frontend")]["healthy"] is True
        assert services[(cluster, "frontend")]["message"] == "Ready:2/2"
        assert services[(cluster, "mailer")]["message"] == "Ready:1/1"
        assert services[(cluster, "migrate")]["message"] == "Active/Failed/Succeeded:0/0/1"
        member = sim.cluster(cluster)
        dep = member.get("deployments.apps", "shop", "frontend")
        assert dep["spec"]["replicas"] == 2
        assert dep["metadata"]["labels"]["workload.oam.dev/type"] == "webservice"
        c = dep["spec"]["template"]["spec"]["containers"][0]
        assert c["name"] == "frontend" and c["ports"][0]["name"] == "port-80"
        assert {"name": "BACKEND_URL", "value": "http://orders.shop.svc"} in c["env"]
        assert c["volumeMounts"] == [{"name": "configmap-frontend-config", "mountPath": "/etc/frontend"}]
        svc = member.get("services", "shop", "frontend")
        assert svc["spec"]["selector"] == {"app.oam.dev/component": "frontend"}
        assert svc["spec"]["ports"][0]["name"] == "port-80"
        ing = member.get("ingresses.networking.k8s.io", "shop", "frontend")
        assert ing["spec"]["rules"][0]["host"] == "shop.example.com"
        assert member.get("configmaps", "shop", "frontend-config")["data"] == {"theme": "dark"}
        assert member.get("jobs.batch", "shop", "storefront-migrate")["spec"]["completions"] == 1
        assert member.get("deployments.apps", "shop", "mailer") is not None
    assert sim.cluster("edge-shenzhen").get("deployments.apps", "shop", "frontend") is None


def _affinity_app(zone_values: list[str]) -> dict:
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": "pinned", "namespace": "shop"},
            "spec": {"components": [{"name": "api", "type": "webservice", "properties": {"image": "nginx:1.27"},
                                     "traits": [{"type": "affinity", "properties": {
                                         "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                                             {"key": "topology.kubernetes.io/zone", "values": zone_values}]}]}},
                                         "tolerations": [{"key": "dedicated", "operator": "Exists"}]}}]}],
                     "policies": [{"type": "topology", "properties": {"clusters": ["ack-hangzhou-a"]}}]}}


async def test_affinity_trait_is_stored_and_honoured_by_the_scheduler(hub, sim):
    member = sim.cluster("ack-hangzhou-a")
    zones = sorted({n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in member.list("nodes")})
    await hub.apply(_affinity_app([zones[0]]))
    result = await settle(hub, sim, "shop", "pinned", passes=40)
    assert result.phase == "running", result
    spec = member.get("deployments.apps", "shop", "api")["spec"]["template"]["spec"]
    assert spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zones[0]]}]}]}
    assert spec["tolerations"] == [{"key": "dedicated", "operator": "Exists"}]
    nodes = {n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in member.list("nodes")}
    pods = [p for p in member.list("pods", "shop") if p["metadata"]["labels"].get("app.oam.dev/component") == "api"]
    assert pods and all(nodes[p["spec"]["nodeName"]] == zones[0] for p in pods)

    # a zone no node is in: the new pods stay Pending, and the application says so
    await hub.apply(_affinity_app(["nowhere"]))
    result = await settle(hub, sim, "shop", "pinned", passes=8)
    assert result.phase != "running"
    app = await hub.get("shop", "pinned")
    assert not all(s["healthy"] for s in app["status"]["services"])
