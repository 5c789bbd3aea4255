"""Graceful pod deletion: Terminating for the grace period on the virtual clock, then gone."""

from __future__ import annotations

from fleettui.sim import Simulator

NS = "/api/v1/namespaces/default/pods"


def pod(name: str, *, node: str | None = None, grace: int | None = None) -> dict:
    spec: dict = {"containers": [{"name": "main", "image": "nginx:1.27"}]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default",
                                                            "labels": {"app": name}}, "spec": spec}


async def running(sim: Simulator, http, name: str, **kw) -> dict:
    status, _ = await http.call("POST", NS, pod(name, **kw))
    assert status == 201
    await sim.advance(10)
    live = sim.cluster(sim.cluster_names[0]).get("pods", "default", name)
    assert live["status"]["phase"] == "Running" and live["spec"]["nodeName"]
    return live


async def test_delete_waits_for_the_pods_grace_period(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    await running(sim, http, "p", grace=20)
    status, body = await http.call("DELETE", f"{NS}/p")
    assert status == 200 and body["kind"] == "Pod"
    assert body["metadata"]["deletionGracePeriodSeconds"] == 20
    assert body["metadata"]["deletionTimestamp"] == sim.clock.iso(sim.clock.now() + 20)
    _, table = await http.call("GET", f"{NS}/p", headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table["rows"][0]["cells"][2] == "Terminating"
    await sim.advance(2)
    live = cluster.get("pods", "default", "p")
    ready = next(c for c in live["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"  # containers stopping: not Ready any more
    await sim.advance(17)
    assert cluster.get("pods", "default", "p") is not None
    await sim.advance(2)
    assert cluster.get("pods", "default", "p") is None


async def test_grace_zero_unscheduled_and_shortened_deletes(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    await running(sim, http, "now")
    status, body = await http.call("DELETE", f"{NS}/now", gracePeriodSeconds="0")
    assert status == 200 and body["kind"] == "Status" and cluster.get("pods", "default", "now") is None
    huge = pod("unscheduled")
    huge["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "900"}}
    await http.call("POST", NS, huge)
    await sim.advance(2)
    assert not cluster.get("pods", "default", "unscheduled")["spec"].get("nodeName")
    status, body = await http.call("DELETE", f"{NS}/unscheduled")  # no kubelet runs it: at once
    assert body["kind"] == "Status" and cluster.get("pods", "default", "unscheduled") is None
    await http.call("POST", NS, pod("orphan", node="no-such-node"))
    await http.call("DELETE", f"{NS}/orphan")
    await sim.advance(1)  # its node is gone: nothing to wait for
    assert cluster.get("pods", "default", "orphan") is None
    await running(sim, http, "slow")  # default 30 s
    _, body = await http.call("DELETE", f"{NS}/slow", raw=b'{"gracePeriodSeconds": 60}')
    assert body["metadata"]["deletionGracePeriodSeconds"] == 60
    _, body = await http.call("DELETE", f"{NS}/slow", gracePeriodSeconds="5")
    assert body["metadata"]["deletionGracePeriodSeconds"] == 5  # shorter wins
    _, body = await http.call("DELETE", f"{NS}/slow", gracePeriodSeconds="50")
    assert body["metadata"]["deletionGracePeriodSeconds"] == 5  # longer does not postpone
    await sim.advance(6)
    assert cluster.get("pods", "default", "slow") is None
    status, body = await http.call("DELETE", f"{NS}/x", gracePeriodSeconds="soon")
    assert status in (400, 404)


async def test_force_delete_of_a_terminating_pod(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    await running(sim, http, "f")
    await http.call("DELETE", f"{NS}/f")
    assert cluster.get("pods", "default", "f")["metadata"]["deletionTimestamp"]
    status, _ = await http.call("DELETE", f"{NS}/f", gracePeriodSeconds="0")
    assert status == 200 and cluster.get("pods", "default", "f") is None


async def test_terminating_pods_are_replaced_and_not_available(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    dep = cluster.get("deployments.apps", "shop", "storefront")
    replicas = dep["spec"]["replicas"]
    await sim.advance(30)
    assert cluster.get("deployments.apps", "shop", "storefront")["status"]["availableReplicas"] == replicas
    victim = next(p for p in cluster.list("pods", "shop") if p["metadata"]["labels"].get("app") == "storefront")
    name = victim["metadata"]["name"]
    status, _ = await http.call("DELETE", f"/api/v1/namespaces/shop/pods/{name}")
    assert status == 200
    await sim.advance(1)
    pods = [p for p in cluster.list("pods", "shop") if p["metadata"]["labels"].get("app") == "storefront"]
    assert len(pods) == replicas + 1  # the replacement is made while the old pod terminates
    status_ = cluster.get("deployments.apps", "shop", "storefront")["status"]
    assert status_["availableReplicas"] == replicas - 1
    ips = {a["ip"] for s in cluster.get("endpoints", "shop", "storefront").get("subsets", [])
           for a in s.get("addresses", [])}
    assert victim["status"]["podIP"] not in ips
    (eps,) = [s for s in cluster.list("endpointslices.discovery.k8s.io", "shop")
              if s["metadata"]["labels"]["kubernetes.io/service-name"] == "storefront"]
    (gone,) = [e for e in eps["endpoints"] if e["targetRef"]["name"] == name]
    assert gone["conditions"] == {"ready": False, "serving": False, "terminating": True}
    await sim.advance(35)
    assert cluster.get("pods", "shop", name) is None
    assert cluster.get("deployments.apps", "shop", "storefront")["status"]["availableReplicas"] == replicas


async def test_stopped_kubelet_leaves_the_pod_terminating(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    live = await running(sim, http, "stuck", grace=5)
    node = cluster.get("nodes", None, live["spec"]["nodeName"])
    cluster.patch_metadata("nodes", None, node["metadata"]["name"],
                           annotations={**node["metadata"].get("annotations", {}), "sim.fleettui.io/kubelet": "stopped"})
    await http.call("DELETE", f"{NS}/stuck")
    await sim.advance(20)
    assert cluster.get("pods", "default", "stuck")["metadata"]["deletionTimestamp"]
    status, _ = await http.call("DELETE", f"{NS}/stuck", gracePeriodSeconds="0")  # kubectl delete --force
    assert cluster.get("pods", "default", "stuck") is None


async def test_finalizers_hold_a_pod_after_its_grace_period(sim: Simulator, http):
    cluster = sim.cluster(sim.cluster_names[0])
    await running(sim, http, "held", grace=3)
    cluster.patch_metadata("pods", "default", "held", finalizers=["example.io/hold"])
    await http.call("DELETE", f"{NS}/held")
    await sim.advance(5)
    live = cluster.get("pods", "default", "held")
    assert live["metadata"]["deletionTimestamp"] and live["metadata"]["deletionGracePeriodSeconds"] == 0
    cluster.patch_metadata("pods", "default", "held", finalizers=[])
    assert cluster.get("pods", "default", "held") is None
