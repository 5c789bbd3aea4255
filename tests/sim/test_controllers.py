"""Simulated controllers driven directly on SimCluster objects with a frozen virtual clock."""

from __future__ import annotations

import random

import pytest

from fleettui.sim.clock import VirtualClock
from fleettui.sim.cluster import SimCluster
from fleettui.sim.controllers import ControllerManager

START = 1_700_000_000.0


def node(name: str, *, cpu: str = "4", zone: str = "z1", ip: str = "10.0.0.1", k: int = 0) -> dict:
    alloc = {"cpu": cpu, "memory": "16Gi", "pods": "110"}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name,
                                                   "topology.kubernetes.io/zone": zone}},
            "spec": {"podCIDR": f"10.244.{k}.0/24"},
            "status": {"capacity": alloc, "allocatable": alloc,
                       "addresses": [{"type": "InternalIP", "address": ip}]}}


def deployment(name: str, *, replicas: int = 3, image: str = "nginx:1.27", cpu: str = "100m", **spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                         {"name": "main", "image": image, "ports": [{"name": "http", "containerPort": 8080}],
                          "resources": {"requests": {"cpu": cpu, "memory": "64Mi"}}}]}}, **spec}}


class Harness:
    def __init__(self, nodes: int = 3) -> None:
        self.clock = VirtualClock(start=START)
        self.clock.freeze()
        self.cluster = SimCluster("test", self.clock, rng=random.Random(1))
        for ns in ("default", "kube-system"):
            self.cluster.create("namespaces", {"metadata": {"name": ns}})
        for i in range(nodes):
            self.cluster.create("nodes", node(f"node-{i}", zone=f"z{i % 2}", ip=f"10.0.0.{i + 10}", k=i))
        self.mgr = ControllerManager([self.cluster], self.clock)

    def run(self, seconds: float, step: float = 1.0) -> None:
        t = 0.0
        self.mgr.step()
        while t < seconds:
            self.clock.advance(step)
            self.mgr.step()
            t += step

    def get(self, resource: str, name: str, ns: str = "default") -> dict:
        obj = self.cluster.get(resource, ns, name)
        assert obj is not None, f"{resource} {name} missing"
        return obj

    def pods(self, app: str | None = None) -> list[dict]:
        return [p for p in self.cluster.list("pods", "default")
                if app is None or p["metadata"].get("labels", {}).get("app") == app]

    def replicasets(self) -> list[dict]:
        return sorted(self.cluster.list("replicasets.apps", "default"), key=lambda r: r["metadata"]["name"])

    def events(self, reason: str) -> list[dict]:
        return [e for e in self.cluster.list("events") if e["reason"] == reason]

    def update(self, resource: str, name: str, mutate, ns: str = "default") -> None:
        import copy
        obj = copy.deepcopy(self.get(resource, name, ns))
        mutate(obj)
        self.cluster.update(resource, obj)


def cond(obj: dict, type_: str) -> dict:
    return next(c for c in obj["status"]["conditions"] if c["type"] == type_)


@pytest.fixture
def h() -> Harness:
    return Harness()


def test_deployment_rollout_reaches_available(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web"))
    h.run(10)
    d = h.get("deployments.apps", "web")
    st = d["status"]
    assert st["observedGeneration"] == 1
    assert (st["replicas"], st["updatedReplicas"], st["readyReplicas"], st["availableReplicas"]) == (3, 3, 3, 3)
    assert "unavailableReplicas" not in st  # omitempty, as the real API
    assert cond(d, "Available")["reason"] == "MinimumReplicasAvailable"
    progressing = cond(d, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetAvailable")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"

    [rs] = h.replicasets()
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    ref = rs["metadata"]["ownerReferences"][0]
    assert ref["uid"] == d["metadata"]["uid"] and ref["controller"] and ref["blockOwnerDeletion"]
    assert rs["status"]["readyReplicas"] == 3

    pods = h.pods("web")
    assert len(pods) == 3
    for p in pods:
        assert p["metadata"]["labels"]["pod-template-hash"] == pod_hash
        assert p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
        assert p["spec"]["nodeName"].startswith("node-")
        s = p["status"]
        assert s["phase"] == "Running" and s["podIP"].startswith("10.244.") and s["hostIP"].startswith("10.0.0.")
        assert {c["type"]: c["status"] for c in s["conditions"]} == {
            "PodReadyToStartContainers": "True", "Initialized": "True", "Ready": "True",
            "ContainersReady": "True", "PodScheduled": "True"}
        [cs] = s["containerStatuses"]
        assert cs["ready"] and cs["started"] and "running" in cs["state"]
    assert len({p["spec"]["nodeName"] for p in pods}) == 3  # spread by least requested


def test_pods_pass_through_pending_and_container_creating(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=1))
    h.mgr.step()
    [p] = h.pods()
    assert p["status"]["phase"] == "Pending" and cond(p, "PodScheduled")["status"] == "True"
    assert "containerStatuses" not in p["status"]
    h.clock.advance(1)
    h.mgr.step()
    [p] = h.pods()
    assert p["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert cond(p, "Ready")["reason"] == "ContainersNotReady"
    h.run(4)
    [p] = h.pods()
    assert p["status"]["phase"] == "Running"


def test_rolling_update_creates_new_replicaset_and_scales_old_down(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=4))
    h.run(10)
    h.update("deployments.apps", "web", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"))
    seen_max_pods, seen_min_available = 0, 99
    for _ in range(30):
        h.clock.advance(1)
        h.mgr.step()
        d = h.get("deployments.apps", "web")
        seen_max_pods = max(seen_max_pods, len(h.pods("web")))
        seen_min_available = min(seen_min_available, d["status"].get("availableReplicas", 0))
    d = h.get("deployments.apps", "web")
    assert d["status"]["observedGeneration"] == 2
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    old, new = sorted(h.replicasets(), key=lambda r: r["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    assert old["spec"]["replicas"] == 0 and new["spec"]["replicas"] == 4
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert cond(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert d["status"]["updatedReplicas"] == 4 and d["status"]["replicas"] == 4
    # 25% of 4: one surge pod, one unavailable at most
    assert seen_max_pods <= 5
    assert seen_min_available >= 3
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in h.pods("web")} == {
        new["metadata"]["labels"]["pod-template-hash"]}
    assert any("Scaled down replica set" in e["message"] for e in h.events("ScalingReplicaSet"))


def test_rollback_reuses_old_replicaset_with_next_revision(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=2))
    h.run(10)
    image = lambda img: lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image=img)  # noqa: E731
    h.update("deployments.apps", "web", image("nginx:1.28"))
    h.run(20)
    h.update("deployments.apps", "web", image("nginx:1.27"))
    h.run(20)
    assert len(h.replicasets()) == 2
    d = h.get("deployments.apps", "web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    active = [r for r in h.replicasets() if r["spec"]["replicas"]]
    assert [r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for r in active] == ["3"]


def test_scaling_down_removes_pods(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=3))
    h.run(10)
    h.update("deployments.apps", "web", lambda d: d["spec"].update(replicas=1))
    h.run(3)
    assert len(h.pods("web")) == 1
    assert h.get("deployments.apps", "web")["status"]["availableReplicas"] == 1


def test_broken_image_backs_off_and_exceeds_progress_deadline(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("bad", replicas=2, image="nginx:broken",
                                                    progressDeadlineSeconds=60))
    reasons = set()
    for _ in range(20):
        h.clock.advance(1)
        h.mgr.step()
        for p in h.pods("bad"):
            if p["status"].get("containerStatuses"):
                reasons.add(p["status"]["containerStatuses"][0]["state"].get("waiting", {}).get("reason"))
    assert {"ErrImagePull", "ImagePullBackOff"} <= reasons and "running" not in str(reasons)
    pods = h.pods("bad")
    assert len(pods) == 2
    for p in pods:
        assert p["status"]["phase"] == "Pending"
        waiting = p["status"]["containerStatuses"][0]["state"]["waiting"]
        assert waiting["reason"] in ("ErrImagePull", "ImagePullBackOff")
        assert "nginx:broken" in waiting["message"]
    assert any(e["type"] == "Warning" and 'Failed to pull image "nginx:broken"' in e["message"]
               for e in h.events("Failed"))
    assert any(e["message"] == "Error: ImagePullBackOff" for e in h.events("Failed"))
    backoff = h.events("BackOff")
    assert backoff and backoff[0]["type"] == "Normal"  # as the kubelet records it; Failed is the Warning
    assert any(e["message"] == "Error: ErrImagePull" for e in h.events("Failed"))
    d = h.get("deployments.apps", "bad")
    assert cond(d, "Available")["reason"] == "MinimumReplicasUnavailable"
    assert cond(d, "Progressing")["status"] == "True"
    h.run(60)
    d = h.get("deployments.apps", "bad")
    progressing = cond(d, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"].endswith("has timed out progressing.")
    assert d["status"]["unavailableReplicas"] == 2 and "availableReplicas" not in d["status"]


def test_fixing_a_broken_rollout_makes_progress_again(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("bad", replicas=2, image="nginx:broken",
                                                    progressDeadlineSeconds=30))
    h.run(60)
    assert cond(h.get("deployments.apps", "bad"), "Progressing")["reason"] == "ProgressDeadlineExceeded"
    h.update("deployments.apps", "bad", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.27"))
    h.run(20)
    d = h.get("deployments.apps", "bad")
    assert cond(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert d["status"]["availableReplicas"] == 2


def test_unschedulable_pod_stays_pending_with_failed_scheduling(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("huge", replicas=1, cpu="64"))
    h.run(10)
    [p] = h.pods("huge")
    assert "nodeName" not in p["spec"]
    sched = cond(p, "PodScheduled")
    assert (sched["status"], sched["reason"]) == ("False", "Unschedulable")
    assert sched["message"].startswith("0/3 nodes are available: 3 Insufficient cpu.")
    assert len(h.events("FailedScheduling")) == 1
    # a big enough node arrives: the pending pod is retried and lands there
    h.cluster.create("nodes", node("big", cpu="96", ip="10.0.0.99", k=9))
    h.run(6)
    [p] = h.pods("huge")
    assert p["spec"]["nodeName"] == "big" and p["status"]["phase"] == "Running"


def test_statefulset_creates_ordered_pods_and_rolls_revisions(h: Harness) -> None:
    sts = deployment("db", replicas=3)
    sts["kind"] = "StatefulSet"
    sts["spec"]["serviceName"] = "db"
    sts["spec"]["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    h.cluster.create("statefulsets.apps", sts)
    h.mgr.step()
    assert [p["metadata"]["name"] for p in h.pods("db")] == ["db-0"]  # ordered: one at a time
    h.run(30)
    names = sorted(p["metadata"]["name"] for p in h.pods("db"))
    assert names == ["db-0", "db-1", "db-2"]
    s = h.get("statefulsets.apps", "db")["status"]
    assert (s["replicas"], s["readyReplicas"], s["currentReplicas"], s["updatedReplicas"]) == (3, 3, 3, 3)
    assert s["currentRevision"] == s["updateRevision"] and s["updateRevision"].startswith("db-")
    pvc = h.get("persistentvolumeclaims", "data-db-1")
    assert pvc["status"]["phase"] == "Bound"
    assert h.get("pods", "db-1")["spec"]["hostname"] == "db-1"

    first_rev = s["currentRevision"]
    h.update("statefulsets.apps", "db", lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"))
    h.run(2)
    s = h.get("statefulsets.apps", "db")["status"]
    assert s["updateRevision"] != first_rev and s["currentRevision"] == first_rev
    h.run(40)
    s = h.get("statefulsets.apps", "db")["status"]
    assert s["currentRevision"] == s["updateRevision"] != first_rev
    assert s["updatedReplicas"] == 3 and s["readyReplicas"] == 3
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in h.pods("db")} == {s["updateRevision"]}


def test_daemonset_runs_one_pod_per_schedulable_node(h: Harness) -> None:
    h.update("nodes", "node-2", lambda n: n["metadata"].setdefault("annotations", {}).update(
        {"sim.fleettui.io/kubelet": "stopped"}), ns="")
    h.run(50)  # past the grace period: node-2 is Unknown and tainted unreachable
    ds = deployment("agent")
    ds["kind"] = "DaemonSet"
    del ds["spec"]["replicas"]
    h.cluster.create("daemonsets.apps", ds)
    h.run(10)
    pods = h.pods("agent")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["node-0", "node-1"]
    s = h.get("daemonsets.apps", "agent")["status"]
    assert all(p["status"]["podIP"] != p["status"]["hostIP"] for p in pods)
    assert s["desiredNumberScheduled"] == 2 and s["currentNumberScheduled"] == 2
    assert s["numberReady"] == 2 and s["updatedNumberScheduled"] == 2 and s["numberAvailable"] == 2
    assert s["numberMisscheduled"] == 0
    # a new node gets its daemon pod
    h.cluster.create("nodes", node("node-9", ip="10.0.0.99", k=9))
    h.run(10)
    assert h.get("daemonsets.apps", "agent")["status"]["numberReady"] == 3


def test_job_completes(h: Harness) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": "default"},
           "spec": {"template": {"spec": {"restartPolicy": "Never",
                                          "containers": [{"name": "m", "image": "busybox:1.36"}]}}}}
    created = h.cluster.create("jobs.batch", job)
    h.run(3)
    j = h.get("jobs.batch", "migrate")
    assert j["status"]["active"] == 1 and "completionTime" not in j["status"]
    [p] = h.cluster.list("pods", "default")
    assert p["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "migrate"
    assert p["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == created["metadata"]["uid"]
    h.run(10)
    j = h.get("jobs.batch", "migrate")
    assert j["status"]["succeeded"] == 1 and "active" not in j["status"]
    assert j["status"]["completionTime"]
    complete = cond(j, "Complete")
    assert (complete["status"], complete["reason"]) == ("True", "CompletionsReached")
    [p] = h.cluster.list("pods", "default")
    assert p["status"]["phase"] == "Succeeded"
    assert p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_endpoints_follow_ready_pods(h: Harness) -> None:
    h.cluster.create("services", {"apiVersion": "v1", "kind": "Service",
                                  "metadata": {"name": "web", "namespace": "default"},
                                  "spec": {"selector": {"app": "web"},
                                           "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})
    h.cluster.create("deployments.apps", deployment("web", replicas=2))
    h.run(10)
    svc = h.get("services", "web")
    assert svc["spec"]["clusterIP"]  # allocated
    ep = h.get("endpoints", "web")
    [subset] = ep["subsets"]
    assert subset["ports"] == [{"port": 8080, "protocol": "TCP", "name": "http"}]
    ips = sorted(p["status"]["podIP"] for p in h.pods("web"))
    assert sorted(a["ip"] for a in subset["addresses"]) == ips
    assert "ownerReferences" not in ep["metadata"]
    [eps] = h.cluster.list("endpointslices.discovery.k8s.io", "default")
    assert eps["metadata"]["labels"]["kubernetes.io/service-name"] == "web"
    assert eps["metadata"]["ownerReferences"][0]["uid"] == svc["metadata"]["uid"]
    assert eps["addressType"] == "IPv4"
    assert sorted(e["addresses"][0] for e in eps["endpoints"]) == ips
    assert all(e["conditions"]["ready"] and e["zone"] for e in eps["endpoints"])

    # scale to 3: the new pod appears once it has an address and is ready
    h.update("deployments.apps", "web", lambda d: d["spec"].update(replicas=3))
    h.run(10)
    assert len(h.get("endpoints", "web")["subsets"][0]["addresses"]) == 3
    # stop the kubelet of one pod's node: that pod drops to notReadyAddresses
    victim = h.pods("web")[0]
    h.update("nodes", victim["spec"]["nodeName"], lambda n: n["metadata"].setdefault("annotations", {}).update(
        {"sim.fleettui.io/kubelet": "stopped"}), ns="")
    h.run(60)
    subset = h.get("endpoints", "web")["subsets"][0]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == [victim["status"]["podIP"]]
    assert len(subset["addresses"]) == 2
    slice_ready = {e["addresses"][0]: e["conditions"]["ready"]
                   for e in h.cluster.list("endpointslices.discovery.k8s.io", "default")[0]["endpoints"]}
    assert slice_ready[victim["status"]["podIP"]] is False
    # deleting the Service removes its Endpoints (no ownerReference) and slice (GC)
    h.cluster.delete("services", "default", "web")
    assert h.cluster.get("endpoints", "default", "web") is None
    assert h.cluster.list("endpointslices.discovery.k8s.io", "default") == []


def test_endpoints_of_a_selectorless_service_are_mirrored_into_a_slice(h: Harness) -> None:
    """The EndpointSlice mirroring controller: the user's Endpoints of a Service without
    a selector (what KubeVela's export-service step writes) become an EndpointSlice."""
    slices = "endpointslices.discovery.k8s.io"
    h.cluster.create("services", {"apiVersion": "v1", "kind": "Service",
                                  "metadata": {"name": "db", "namespace": "default"},
                                  "spec": {"ports": [{"port": 80, "targetPort": 5432}]}})
    h.cluster.create("endpoints", {"apiVersion": "v1", "kind": "Endpoints",
                                   "metadata": {"name": "db", "namespace": "default", "labels": {"team": "a"}},
                                   "subsets": [{"addresses": [{"ip": "10.1.2.3"}],
                                                "notReadyAddresses": [{"ip": "10.1.2.4"}],
                                                "ports": [{"port": 5432}]}]})
    h.run(2)
    ep = h.get("endpoints", "db")
    [mirrored] = h.cluster.list(slices, "default")
    assert mirrored["metadata"]["labels"] == {"team": "a", "kubernetes.io/service-name": "db",
                                              "endpointslice.kubernetes.io/managed-by":
                                                  "endpointslicemirroring-controller.k8s.io"}
    assert mirrored["metadata"]["ownerReferences"][0]["uid"] == ep["metadata"]["uid"]
    assert [(e["addresses"], e["conditions"]["ready"]) for e in mirrored["endpoints"]] == [
        (["10.1.2.3"], True), (["10.1.2.4"], False)]
    assert mirrored["ports"] == [{"port": 5432, "protocol": "TCP"}]
    # the Endpoints changes: the slice follows; skip-mirror: the slice goes
    h.update("endpoints", "db", lambda e: e["subsets"][0].update(addresses=[{"ip": "10.9.9.9"}]))
    h.run(2)
    [mirrored] = h.cluster.list(slices, "default")
    assert mirrored["endpoints"][0]["addresses"] == ["10.9.9.9"]
    h.update("endpoints", "db", lambda e: e["metadata"]["labels"].update(
        {"endpointslice.kubernetes.io/skip-mirror": "true"}))
    h.run(2)
    assert h.cluster.list(slices, "default") == []
    # mirrored again, then the Endpoints goes: its slice goes with it (owner reference)
    h.update("endpoints", "db", lambda e: e["metadata"]["labels"].pop("endpointslice.kubernetes.io/skip-mirror"))
    h.run(2)
    assert len(h.cluster.list(slices, "default")) == 1
    h.cluster.delete("endpoints", "default", "db")
    h.run(2)
    assert h.cluster.list(slices, "default") == []


def test_node_not_ready_after_kubelet_stops_and_back(h: Harness) -> None:
    h.run(5)
    n = h.get("nodes", "node-1", ns="")
    assert cond(n, "Ready")["reason"] == "KubeletReady"
    assert {c["type"] for c in n["status"]["conditions"]} == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}
    h.update("nodes", "node-1", lambda o: o["metadata"].setdefault("annotations", {}).update(
        {"sim.fleettui.io/kubelet": "stopped"}), ns="")
    h.run(60)
    n = h.get("nodes", "node-1", ns="")
    ready = cond(n, "Ready")
    assert (ready["status"], ready["reason"]) == ("Unknown", "NodeStatusUnknown")
    assert ready["message"] == "Kubelet stopped posting node status."
    assert {(t["key"], t["effect"]) for t in n["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    h.cluster.create("deployments.apps", deployment("web", replicas=4))
    h.run(10)
    assert "node-1" not in {p["spec"]["nodeName"] for p in h.pods("web")}
    h.update("nodes", "node-1", lambda o: o["metadata"]["annotations"].pop("sim.fleettui.io/kubelet"), ns="")
    h.run(3)
    n = h.get("nodes", "node-1", ns="")
    assert cond(n, "Ready")["status"] == "True" and not n["spec"].get("taints")


def test_heartbeats_every_forty_seconds_not_every_tick(h: Harness) -> None:
    h.run(5)
    modified = []
    h.cluster.subscribe(lambda t, r, o: modified.append(o["metadata"]["name"]) if r == "nodes" else None)
    beats = set()
    for _ in range(200):
        h.clock.advance(1)
        h.mgr.step()
        beats.add(cond(h.get("nodes", "node-0", ns=""), "Ready")["lastHeartbeatTime"])
    # 200 s at ~40 s per heartbeat: about 5 updates per node, not 200
    assert 4 <= modified.count("node-0") <= 6
    assert 4 <= len(beats) <= 7


def test_idle_cluster_costs_nothing_per_step(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web"))
    h.run(15)
    rt = h.mgr.runtimes[0]
    assert h.mgr.step_cluster(rt) == 0
    rv = h.cluster.resource_version
    h.clock.advance(0.5)
    h.mgr.step()
    assert h.cluster.resource_version == rv


def test_a_failing_reconcile_does_not_stop_others(h: Harness, caplog: pytest.LogCaptureFixture) -> None:
    bad = deployment("bad")
    bad["spec"]["replicas"] = "three"  # garbage the storage accepts but the controller cannot use
    h.cluster.create("deployments.apps", bad)
    h.cluster.create("deployments.apps", deployment("good", replicas=1))
    h.run(8)
    assert h.get("deployments.apps", "good")["status"]["availableReplicas"] == 1
    assert "reconciling deployments.apps default/bad failed" in caplog.text


def test_paused_deployment_waits_for_resume(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=2))
    h.run(10)
    h.update("deployments.apps", "web", lambda d: d["spec"].update(paused=True))
    h.update("deployments.apps", "web", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"))
    h.run(10)
    d = h.get("deployments.apps", "web")
    assert len(h.replicasets()) == 1
    assert (cond(d, "Progressing")["status"], cond(d, "Progressing")["reason"]) == ("Unknown", "DeploymentPaused")
    h.update("deployments.apps", "web", lambda d: d["spec"].update(paused=False))
    h.run(20)
    d = h.get("deployments.apps", "web")
    assert len(h.replicasets()) == 2
    assert cond(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert d["status"]["updatedReplicas"] == 2


def test_recreate_strategy_stops_old_pods_before_starting_new(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=2, strategy={"type": "Recreate"}))
    h.run(10)
    old_hash = h.pods("web")[0]["metadata"]["labels"]["pod-template-hash"]
    h.update("deployments.apps", "web", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image="nginx:1.28"))
    mixed = False
    for _ in range(20):
        h.clock.advance(1)
        h.mgr.step()
        hashes = {p["metadata"]["labels"]["pod-template-hash"] for p in h.pods("web")}
        mixed = mixed or len(hashes) > 1
    assert not mixed
    pods = h.pods("web")
    assert len(pods) == 2 and all(p["metadata"]["labels"]["pod-template-hash"] != old_hash for p in pods)
    assert h.get("deployments.apps", "web")["status"]["availableReplicas"] == 2


def test_pods_on_an_unreachable_node_are_evicted_after_five_minutes(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=3))
    h.run(10)
    victim = next(p for p in h.pods("web") if p["spec"]["nodeName"] == "node-2")
    h.update("nodes", "node-2", lambda n: n["metadata"].setdefault("annotations", {}).update(
        {"sim.fleettui.io/kubelet": "stopped"}), ns="")
    h.run(120)
    assert h.cluster.get("pods", "default", victim["metadata"]["name"]) is not None  # NotReady, not yet evicted
    h.run(300)
    assert h.cluster.get("pods", "default", victim["metadata"]["name"]) is None
    assert h.events("TaintManagerEviction")
    pods = h.pods("web")
    assert len(pods) == 3 and "node-2" not in {p["spec"]["nodeName"] for p in pods}
    assert h.get("deployments.apps", "web")["status"]["availableReplicas"] == 3


async def test_run_loop_reconciles_as_the_virtual_clock_moves() -> None:
    import asyncio

    h = Harness()
    task = asyncio.create_task(h.mgr.run(interval=0.5))
    try:
        h.cluster.create("deployments.apps", deployment("web", replicas=2))
        for _ in range(20):
            h.clock.advance(1)
            await asyncio.sleep(0.005)
        assert h.get("deployments.apps", "web")["status"]["availableReplicas"] == 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def test_host_network_pods_take_the_node_address(h: Harness) -> None:
    d = deployment("agent", replicas=1)
    d["spec"]["template"]["spec"]["hostNetwork"] = True
    h.cluster.create("deployments.apps", d)
    h.run(6)
    [p] = h.pods("agent")
    assert p["status"]["podIP"] == p["status"]["hostIP"] and p["status"]["podIP"].startswith("10.0.0.")


def test_normal_lifecycle_events_tell_the_pod_story(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("web", replicas=1))
    h.run(6)
    [p] = h.pods("web")
    about = [(e["reason"], e["type"]) for e in h.cluster.list("events", "default")
             if e["involvedObject"].get("name") == p["metadata"]["name"]]
    assert [r for r, _ in about] == ["Scheduled", "Pulled", "Created", "Started"]
    assert {t for _, t in about} == {"Normal"}
    assert h.events("SuccessfulCreate")[0]["message"] == f"Created pod: {p['metadata']['name']}"


def test_unschedulable_pods_are_retried_and_counted(h: Harness) -> None:
    h.cluster.create("deployments.apps", deployment("huge", replicas=1, cpu="64"))
    h.run(10)
    h.run(620, step=10)
    [ev] = h.events("FailedScheduling")
    assert ev["count"] >= 3


def test_disk_pressure_is_reported_and_tainted(h: Harness) -> None:
    h.update("nodes", "node-0", lambda n: n["metadata"].setdefault("annotations", {}).update(
        {"sim.fleettui.io/pressure": "disk"}), ns="")
    h.run(2)
    n = h.get("nodes", "node-0", ns="")
    disk = cond(n, "DiskPressure")
    assert (disk["status"], disk["reason"]) == ("True", "KubeletHasDiskPressure")
    assert cond(n, "Ready")["status"] == "True"
    assert n["spec"]["taints"][0]["key"] == "node.kubernetes.io/disk-pressure"
    h.cluster.create("deployments.apps", deployment("web", replicas=4))
    h.run(10)
    assert "node-0" not in {p["spec"]["nodeName"] for p in h.pods("web")}
    h.update("nodes", "node-0", lambda o: o["metadata"]["annotations"].pop("sim.fleettui.io/pressure"), ns="")
    h.run(2)
    n = h.get("nodes", "node-0", ns="")
    assert cond(n, "DiskPressure")["status"] == "False" and not n["spec"].get("taints")


def test_a_crashing_container_loops_with_growing_back_off(h: Harness) -> None:
    d = deployment("crash", replicas=1)
    d["spec"]["template"]["metadata"]["annotations"] = {"sim.fleettui.io/exit-code": "1"}
    h.cluster.create("deployments.apps", d)
    h.run(9)
    [p] = h.pods("crash")
    [cs] = p["status"]["containerStatuses"]
    assert p["status"]["phase"] == "Running" and not cs["ready"]
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["state"]["waiting"]["message"].startswith("back-off 10s restarting failed container=main")
    assert cs["lastState"]["terminated"]["exitCode"] == 1 and cs["lastState"]["terminated"]["reason"] == "Error"
    assert cs["restartCount"] == 1
    h.run(120)
    [p] = h.pods("crash")
    assert p["status"]["containerStatuses"][0]["restartCount"] in (4, 5)  # 10 s, 20 s, 40 s, 80 s back-offs
    backoff = [e for e in h.events("BackOff") if "restarting failed container" in e["message"]]
    assert backoff and backoff[0]["type"] == "Warning" and backoff[0]["count"] >= 4
    dep = h.get("deployments.apps", "crash")
    assert cond(dep, "Available")["status"] == "False"


def test_a_failing_job_stops_at_its_backoff_limit(h: Harness) -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "flaky", "namespace": "default"},
           "spec": {"backoffLimit": 2, "template": {
               "metadata": {"annotations": {"sim.fleettui.io/exit-code": "2"}},
               "spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox:1.36"}]}}}}
    h.cluster.create("jobs.batch", job)
    h.run(60)
    j = h.get("jobs.batch", "flaky")
    assert j["status"]["failed"] == 3 and "active" not in j["status"]
    failed = cond(j, "Failed")
    assert (failed["status"], failed["reason"]) == ("True", "BackoffLimitExceeded")
    pods = h.cluster.list("pods", "default")
    assert len(pods) == 3 and {p["status"]["phase"] for p in pods} == {"Failed"}
    term = pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]
    assert term["exitCode"] == 2 and term["reason"] == "Error"
    assert h.events("BackoffLimitExceeded")
