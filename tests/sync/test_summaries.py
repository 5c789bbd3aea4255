"""Fixture tests: one real-shaped object per kind → the summary the store keeps."""

from __future__ import annotations

import copy

import pytest

from fleettui.config.quantity import cpu_millis, memory_bytes
from fleettui.sync.summaries import parse_time, summarize

NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {
        "name": "cn-hangzhou.10.0.1.5",
        "uid": "n-1",
        "resourceVersion": "1200",
        "labels": {
            "kubernetes.io/hostname": "cn-hangzhou.10.0.1.5",
            "node-role.kubernetes.io/control-plane": "",
            "node-role.kubernetes.io/worker": "",
            "topology.kubernetes.io/region": "cn-hangzhou",
            "topology.kubernetes.io/zone": "cn-hangzhou-h",
            "fleettui.io/provider": "ack",
        },
    },
    "spec": {"podCIDR": "10.244.1.0/24"},
    "status": {
        "capacity": {"cpu": "8", "memory": "32612092Ki", "pods": "110"},
        "allocatable": {"cpu": "7910m", "memory": "29Gi", "pods": "110"},
        "conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
            {"type": "DiskPressure", "status": "False"},
            {"type": "PIDPressure", "status": "False"},
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"},
        ],
        "nodeInfo": {"kubeletVersion": "v1.31.1-aliyun.1"},
    },
}


def _with_condition(obj, ctype, status, reason="", message=""):
    obj = copy.deepcopy(obj)
    for c in obj["status"]["conditions"]:
        if c["type"] == ctype:
            c.update(status=status, reason=reason, message=message)
    return obj


def test_node_ready():
    s = summarize("Node", NODE)
    assert s["name"] == "cn-hangzhou.10.0.1.5" and s["namespace"] == ""
    assert (s["ready"], s["health"], s["phase"]) == (1, "healthy", "Ready")
    assert s["cpu_m"] == 7910 and s["mem_b"] == 29 * 2**30  # allocatable, not capacity
    assert (s["region"], s["zone"], s["provider"]) == ("cn-hangzhou", "cn-hangzhou-h", "ack")
    assert s["roles"] == ["control-plane", "worker"]
    assert s["version"] == "v1.31.1-aliyun.1"
    assert s["resource_version"] == "1200"


def test_node_not_ready_and_unknown():
    s = summarize("Node", _with_condition(NODE, "Ready", "False", "KubeletNotReady", "PLEG is not healthy"))
    assert (s["ready"], s["health"], s["phase"]) == (0, "unhealthy", "NotReady")
    assert s["message"] == "KubeletNotReady: PLEG is not healthy"
    s = summarize("Node", _with_condition(NODE, "Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."))
    assert s["health"] == "unhealthy" and s["message"].startswith("NodeStatusUnknown")


def test_node_pressure_and_cordon_are_degraded():
    s = summarize("Node", _with_condition(NODE, "DiskPressure", "True"))
    assert (s["health"], s["message"]) == ("degraded", "DiskPressure")
    cordoned = copy.deepcopy(NODE)
    cordoned["spec"]["unschedulable"] = True
    s = summarize("Node", cordoned)
    assert (s["health"], s["message"], s["unschedulable"]) == ("degraded", "SchedulingDisabled", True)


def test_namespace():
    assert summarize("Namespace", {"metadata": {"name": "shop"}, "status": {"phase": "Active"}})["health"] == "healthy"
    s = summarize("Namespace", {"metadata": {"name": "old", "deletionTimestamp": "2026-01-01T00:00:00Z"},
                                "status": {"phase": "Terminating"}})
    assert (s["phase"], s["health"]) == ("Terminating", "progressing")


DEPLOY = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "generation": 4, "uid": "d-1", "resourceVersion": "99"},
    "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
    "status": {
        "observedGeneration": 4, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        ],
    },
}


def test_deployment_healthy():
    s = summarize("Deployment", DEPLOY)
    assert (s["ready"], s["desired"], s["health"]) == (3, 3, "healthy")
    assert s["images"] == ["nginx:1.27"] and s["message"] == "3/3 ready"


def test_deployment_rolling_out_is_progressing():
    d = copy.deepcopy(DEPLOY)
    d["status"].update(updatedReplicas=1, replicas=4, readyReplicas=3)
    d["status"]["conditions"][1]["reason"] = "ReplicaSetUpdated"
    assert summarize("Deployment", d)["health"] == "progressing"
    d = copy.deepcopy(DEPLOY)
    d["metadata"]["generation"] = 5  # the controller has not seen the new spec yet
    assert summarize("Deployment", d)["health"] == "progressing"


def test_deployment_past_its_deadline():
    d = copy.deepcopy(DEPLOY)
    d["status"].update(readyReplicas=0, availableReplicas=0, updatedReplicas=3)
    d["status"]["conditions"] = [
        {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable"},
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
         "message": 'ReplicaSet "web-5d4f" has timed out progressing.'},
    ]
    s = summarize("Deployment", d)
    assert s["health"] == "unhealthy"
    assert "ProgressDeadlineExceeded" in s["message"] and "0/3 ready" in s["message"]
    d["status"]["readyReplicas"] = 2
    assert summarize("Deployment", d)["health"] == "degraded"


def test_deployment_scaled_to_zero_and_defaults():
    d = copy.deepcopy(DEPLOY)
    d["spec"]["replicas"] = 0
    d["status"] = {"observedGeneration": 4}
    assert summarize("Deployment", d)["health"] == "healthy"
    d = copy.deepcopy(DEPLOY)
    del d["spec"]["replicas"]  # defaults to 1
    d["status"] = {"observedGeneration": 4}
    s = summarize("Deployment", d)
    assert s["desired"] == 1 and s["health"] == "progressing"


STS = {
    "kind": "StatefulSet",
    "metadata": {"name": "db", "namespace": "shop", "generation": 2},
    "spec": {"replicas": 3, "template": {"spec": {"containers": [{"image": "postgres:16"}]}}},
    "status": {"observedGeneration": 2, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
               "updatedReplicas": 3, "currentRevision": "db-7b", "updateRevision": "db-7b"},
}


def test_statefulset():
    assert summarize("StatefulSet", STS)["health"] == "healthy"
    rolling = copy.deepcopy(STS)
    rolling["status"].update(updateRevision="db-8c", updatedReplicas=1)
    assert summarize("StatefulSet", rolling)["health"] == "progressing"
    creating = copy.deepcopy(STS)
    creating["status"].update(currentReplicas=1, updatedReplicas=1, readyReplicas=1)
    assert summarize("StatefulSet", creating)["health"] == "progressing"
    stuck = copy.deepcopy(STS)
    stuck["status"]["readyReplicas"] = 2
    assert summarize("StatefulSet", stuck)["health"] == "degraded"
    stuck["status"]["readyReplicas"] = 0
    assert summarize("StatefulSet", stuck)["health"] == "unhealthy"


DS = {
    "kind": "DaemonSet",
    "metadata": {"name": "node-exporter", "namespace": "kube-system", "generation": 1},
    "spec": {"template": {"spec": {"containers": [{"image": "prom/node-exporter:v1.8"}]}}},
    "status": {"observedGeneration": 1, "desiredNumberScheduled": 5, "currentNumberScheduled": 5,
               "numberReady": 5, "updatedNumberScheduled": 5, "numberAvailable": 5, "numberMisscheduled": 0},
}


def test_daemonset():
    s = summarize("DaemonSet", DS)
    assert (s["ready"], s["desired"], s["health"]) == (5, 5, "healthy")
    d = copy.deepcopy(DS)
    d["status"]["numberReady"] = 4
    assert summarize("DaemonSet", d)["health"] == "degraded"
    d["status"]["updatedNumberScheduled"] = 2
    assert summarize("DaemonSet", d)["health"] == "progressing"


POD = {
    "kind": "Pod",
    "metadata": {"name": "web-5d4f-abcde", "namespace": "shop", "uid": "p-1",
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d4f", "controller": True}]},
    "spec": {
        "nodeName": "n1",
        "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "1", "memory": "64Mi"}}}],
        "containers": [
            {"name": "web", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}}},
            {"name": "sidecar", "resources": {"requests": {"cpu": "100m", "memory": "1Gi"}}},
        ],
    },
    "status": {
        "phase": "Running",
        "containerStatuses": [
            {"name": "web", "ready": True, "restartCount": 2, "state": {"running": {}}},
            {"name": "sidecar", "ready": True, "restartCount": 1, "state": {"running": {}}},
        ],
    },
}


def test_pod_running_summary_only():
    s = summarize("Pod", POD)
    assert (s["phase"], s["ready"], s["desired"], s["restarts"], s["node"]) == ("Running", 2, 2, 3, "n1")
    assert s["health"] == "healthy" and s["owner"] == "ReplicaSet/web-5d4f"
    # effective requests: max(sum of containers, largest init container)
    assert s["cpu_m"] == 1000 and s["mem_b"] == 128 * 2**20 + 2**30
    assert "spec" not in s and "status" not in s


def test_pod_image_pull_backoff_is_unhealthy_with_its_reason():
    p = copy.deepcopy(POD)
    p["status"] = {"phase": "Pending", "containerStatuses": [
        {"name": "web", "ready": False, "restartCount": 0,
         "state": {"waiting": {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "nginx:broken"'}}}]}
    s = summarize("Pod", p)
    assert (s["health"], s["reason"], s["ready"]) == ("unhealthy", "ImagePullBackOff", 0)


def test_pod_phases():
    for phase, health in (("Pending", "progressing"), ("Succeeded", "healthy"), ("Failed", "unhealthy"),
                          ("Unknown", "unknown")):
        p = copy.deepcopy(POD)
        p["status"] = {"phase": phase}
        assert summarize("Pod", p)["health"] == health, phase
    p = copy.deepcopy(POD)
    p["status"]["containerStatuses"][0]["ready"] = False
    assert summarize("Pod", p)["health"] == "progressing"
    p = copy.deepcopy(POD)
    p["status"] = {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}
    s = summarize("Pod", p)
    assert s["reason"] == "Evicted" and s["health"] == "unhealthy"
    p = copy.deepcopy(POD)
    p["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    assert summarize("Pod", p)["reason"] == "Terminating"


def test_service():
    svc = {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
           "spec": {"type": "NodePort", "clusterIP": "10.96.0.12",
                    "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"},
                              {"port": 53, "protocol": "UDP"}]}}
    s = summarize("Service", svc)
    assert (s["type"], s["cluster_ip"], s["ports"], s["health"]) == (
        "NodePort", "10.96.0.12", ["80:30080/TCP", "53/UDP"], "healthy")
    lb = copy.deepcopy(svc)
    lb["spec"]["type"] = "LoadBalancer"
    assert summarize("Service", lb)["health"] == "progressing"
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "47.1.2.3"}]}}
    assert summarize("Service", lb)["external"] == ["47.1.2.3"]


EVENT = {
    "apiVersion": "v1",
    "kind": "Event",
    "metadata": {"name": "web-5d4f-abcde.17a1b2c3", "namespace": "shop", "creationTimestamp": "2026-11-27T06:00:00Z"},
    "involvedObject": {"kind": "Pod", "name": "web-5d4f-abcde", "namespace": "shop"},
    "reason": "BackOff",
    "message": 'Back-off pulling image "nginx:broken"',
    "type": "Warning",
    "count": 7,
    "firstTimestamp": "2026-11-27T06:00:00Z",
    "lastTimestamp": "2026-11-27T06:05:00Z",
}


def test_warning_event_kept_normal_event_dropped():
    s = summarize("Event", EVENT)
    assert (s["reason"], s["count"], s["involved_kind"], s["involved_name"]) == ("BackOff", 7, "Pod", "web-5d4f-abcde")
    assert s["ts"] == parse_time("2026-11-27T06:05:00Z")
    assert summarize("Event", {**EVENT, "type": "Normal"}) is None


def test_events_k8s_io_series_shape():
    e = {"metadata": {"name": "x", "namespace": "n"}, "type": "Warning", "reason": "Unhealthy",
         "note": "Readiness probe failed", "regarding": {"kind": "Pod", "name": "p"},
         "eventTime": "2026-11-27T06:00:00.000000Z",
         "series": {"count": 12, "lastObservedTime": "2026-11-27T06:10:00.000000Z"}}
    s = summarize("Event", e)
    assert s["count"] == 12 and s["message"] == "Readiness probe failed"
    assert s["ts"] == parse_time("2026-11-27T06:10:00Z")


@pytest.mark.parametrize(("text", "millis"), [("250m", 250), ("1", 1000), ("1.5", 1500), ("0.1", 100),
                                              ("100u", 1), (None, 0), ("bogus", 0), (2, 2000)])
def test_cpu_quantities(text, millis):
    assert cpu_millis(text) == millis


@pytest.mark.parametrize(("text", "nbytes"), [("128Mi", 128 * 2**20), ("1Gi", 2**30), ("1G", 10**9),
                                              ("1e3", 1000), ("129M", 129 * 10**6), ("32612092Ki", 32612092 * 1024),
                                              ("12k", 12000), ("0.5Gi", 2**29)])
def test_memory_quantities(text, nbytes):
    assert memory_bytes(text) == nbytes


def test_quantities_that_are_not_quantities_count_as_zero():
    from fleettui.config.quantity import cpu_millis, memory_bytes

    assert cpu_millis(True) == 0 and cpu_millis(1) == 1000  # a bool is no quantity (and not 1)
    assert cpu_millis(["100m"]) == 0 and memory_bytes({"x": 1}) == 0
    assert cpu_millis("100m") == cpu_millis("100m") == 100  # parsed once, remembered
