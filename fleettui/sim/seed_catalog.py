"""The objects behind `seed.py`: nodes, workloads and hub registrations, as data builders.

Everything here is a pure function of a ClusterSpec (and a seeded RNG), so the
same fleet comes back for the same arguments; `seed.populate` writes it.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from .cluster_spec import ClusterSpec

APP_NAMESPACES = ("shop", "payments", "platform", "monitoring")
KUBELET_ANNOTATION = "sim.fleettui.io/kubelet"
PRESSURE_ANNOTATION = "sim.fleettui.io/pressure"

# namespace, name, version, relative weight (cpu/memory), has a Service
APPS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("shop", "storefront", "2.14.1", 3, True), ("shop", "cart", "1.9.3", 2, True),
    ("shop", "catalog", "3.2.0", 3, True), ("shop", "checkout", "2.4.7", 2, True),
    ("shop", "search", "1.12.0", 4, True), ("shop", "recommendations", "0.18.2", 3, True),
    ("shop", "reviews", "1.3.5", 1, True), ("shop", "inventory", "2.0.4", 2, True),
    ("shop", "shipping", "1.7.0", 1, True), ("shop", "pricing", "1.1.9", 1, True),
    ("shop", "promotions", "0.9.1", 1, True), ("shop", "wishlist", "1.0.3", 1, True),
    ("shop", "image-resizer", "2.2.0", 2, True), ("shop", "order-worker", "2.4.7", 2, False),
    ("payments", "payments-api", "4.1.2", 3, True), ("payments", "ledger", "2.8.0", 2, True),
    ("payments", "fraud-detector", "1.15.3", 4, True), ("payments", "billing", "3.0.1", 2, True),
    ("payments", "invoicing", "1.4.4", 1, True), ("payments", "refunds", "1.2.0", 1, True),
    ("payments", "currency-rates", "0.7.2", 1, True), ("payments", "payouts", "1.6.0", 1, True),
    ("payments", "notifications", "2.1.1", 1, True), ("payments", "settlement-worker", "2.8.0", 2, False),
    ("platform", "api-gateway", "1.22.3", 3, True), ("platform", "auth", "5.3.0", 2, True),
    ("platform", "user-profile", "2.6.1", 1, True), ("platform", "feature-flags", "1.8.0", 1, True),
    ("platform", "config-server", "3.1.4", 1, True), ("platform", "audit-log", "1.0.9", 1, True),
    ("platform", "email-worker", "1.4.0", 1, False), ("platform", "sms-gateway", "0.6.3", 1, True),
    ("platform", "webhooks", "1.3.2", 1, True), ("platform", "rate-limiter", "2.0.0", 1, True),
    ("platform", "session-cache", "7.2.5", 2, True), ("platform", "report-renderer", "1.1.0", 2, True),
)
BROKEN_APP = "recommendations"
CRASH_APP = "currency-rates"
EXIT_CODE_ANNOTATION = "sim.fleettui.io/exit-code"
PENDING_APP = "report-renderer"

# (cpu m, memory Mi) of the system pods, as their upstream manifests request
_SYSTEM_PODS = {"coredns": (100, 70), "metrics-server": (100, 200), "kube-proxy": (100, 64),
                "node-exporter": (100, 180), "grafana": (100, 256), "kube-state-metrics": (100, 128),
                "prometheus": (500, 2048), "postgres": (500, 1024)}

_PROVIDER = {
    # registry, node network prefix, service CIDR base, storage class, ingress class, OS image, kernel, runtime
    "ack": ("registry.{region}.aliyuncs.com/acme", "192.168", "172.21.0", "alicloud-disk-essd", "alb",
            "Alibaba Cloud Linux 3.2104 U10 (OpenAnolis Edition)", "5.10.134-17.3.al8.x86_64", "containerd://1.6.38"),
    "eks": ("123456789012.dkr.ecr.{region}.amazonaws.com/acme", "10.0", "10.100.0", "gp3", "alb",
            "Amazon Linux 2023.6.20250123", "6.1.124-134.200.amzn2023.x86_64", "containerd://1.7.25"),
    "idc": ("harbor.idc-bj.acme.internal/acme", "172.16", "10.96.0", "ceph-rbd", "nginx",
            "Ubuntu 22.04.4 LTS", "5.15.0-113-generic", "containerd://1.7.22"),
    "edge": ("harbor.idc-bj.acme.internal/acme", "192.168.100", "10.43.0", "local-path", "traefik",
             "Ubuntu 22.04.4 LTS", "5.15.0-1055-raspi", "containerd://1.7.23-k3s2"),
}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_hash(*parts: Any, n: int = 32) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:n]


# -- nodes -------------------------------------------------------------------


def _node_name(spec: ClusterSpec, k: int, ip: str) -> str:
    if spec.provider == "ack":
        return f"{spec.region}.{ip}"
    if spec.provider == "eks":
        return f"ip-{ip.replace('.', '-')}.{spec.region}.compute.internal"
    return f"{spec.name}-node-{k + 1:02d}"


def _node_ip(spec: ClusterSpec, k: int) -> str:
    net = _PROVIDER[spec.provider][1]
    zone_i = k % len(spec.zones)
    if net.count(".") == 2:
        return f"{net}.{10 + k}"
    return f"{net}.{zone_i + 1}.{10 + k}"


def node_allocatable(spec: ClusterSpec) -> tuple[int, int]:
    """(cpu millicores, memory Ki) a node offers after system and kube reservations."""
    cpu_m = spec.node_cpu * 1000 - (80 + spec.node_cpu * 10)
    mem_ki = int(spec.node_memory_gi * 1024 * 1024 * 0.93)
    return cpu_m, mem_ki


def nodes(spec: ClusterSpec, rng: random.Random, now: float) -> Iterator[tuple[str, dict, dict | None]]:
    p = _PROVIDER[spec.provider]
    alloc_cpu, alloc_mem = node_allocatable(spec)
    for k in range(spec.nodes):
        ip = _node_ip(spec, k)
        name = _node_name(spec, k, ip)
        zone = spec.zones[k % len(spec.zones)]
        stopped = spec.not_ready_node and k == spec.nodes - 1
        labels = {
            "beta.kubernetes.io/arch": spec.arch, "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": spec.arch, "kubernetes.io/os": "linux", "kubernetes.io/hostname": name,
            "node.kubernetes.io/instance-type": spec.instance_type,
            "topology.kubernetes.io/region": spec.region, "topology.kubernetes.io/zone": zone,
            "fleettui.io/provider": spec.provider, "env": spec.env,
        }
        annotations = {"node.alpha.kubernetes.io/ttl": "0",
                       "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
        node_spec: dict[str, Any] = {"podCIDR": f"10.244.{k}.0/24", "podCIDRs": [f"10.244.{k}.0/24"]}
        if spec.provider == "ack":
            node_spec["providerID"] = f"{spec.region}.i-bp1{short_hash(spec.name, k, n=17)}"
        elif spec.provider == "eks":
            node_spec["providerID"] = f"aws:///{zone}/i-0{short_hash(spec.name, k, n=16)}"
        beat = now - rng.uniform(0, 30)
        pressure = spec.disk_pressure_node and k == 1
        if pressure:
            annotations[PRESSURE_ANNOTATION] = "disk"
            node_spec["taints"] = [{"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule",
                                    "timeAdded": iso(now - 3600)}]
        if stopped:
            annotations[KUBELET_ANNOTATION] = "stopped"
            lost = now - 600 - rng.uniform(0, 1200)
            conditions = [{"type": t, "status": "Unknown", "lastHeartbeatTime": iso(lost),
                           "lastTransitionTime": iso(lost + 40), "reason": "NodeStatusUnknown",
                           "message": "Kubelet stopped posting node status."}
                          for t in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")]
            node_spec["taints"] = [
                {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": iso(lost + 40)},
                {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": iso(lost + 45)}]
        else:
            booted = iso(now - 86400 * rng.uniform(3, 90))
            conditions = [
                {"type": t, "status": s, "lastHeartbeatTime": iso(beat),
                 "lastTransitionTime": iso(now - 3600) if s == "True" and t != "Ready" else booted,
                 "reason": r, "message": m}
                for t, s, r, m in (
                    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    ("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure") if pressure
                    else ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"))]
        cap_mem = spec.node_memory_gi * 1024 * 1024
        status = {
            "capacity": {"cpu": str(spec.node_cpu), "memory": f"{cap_mem}Ki", "pods": "110",
                         "ephemeral-storage": "123722704Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0"},
            "allocatable": {"cpu": f"{alloc_cpu}m", "memory": f"{alloc_mem}Ki", "pods": "110",
                            "ephemeral-storage": "114022843818", "hugepages-1Gi": "0", "hugepages-2Mi": "0"},
            "conditions": conditions,
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": spec.arch, "bootID": short_hash("boot", spec.name, k, n=36),
                "containerRuntimeVersion": p[7], "kernelVersion": p[6].replace("x86_64", "aarch64")
                if spec.arch == "arm64" else p[6],
                "kubeProxyVersion": spec.kubelet_version, "kubeletVersion": spec.kubelet_version,
                "machineID": short_hash("machine", spec.name, k), "operatingSystem": "linux", "osImage": p[5],
                "systemUUID": short_hash("uuid", spec.name, k, n=36),
            },
        }
        yield "nodes", {"apiVersion": "v1", "kind": "Node",
                        "metadata": {"name": name, "labels": labels, "annotations": annotations},
                        "spec": node_spec, "status": status}, status


# -- workloads ---------------------------------------------------------------


class _Services:
    """ClusterIP allocation in the provider's service CIDR (what the apiserver's allocator does)."""

    def __init__(self, spec: ClusterSpec) -> None:
        self.base = _PROVIDER[spec.provider][2]
        self.next = 20

    def ip(self, fixed: int | None = None) -> str:
        if fixed is not None:
            return f"{self.base}.{fixed}"
        self.next += 1
        third, fourth = divmod(self.next, 250)
        prefix = self.base.rsplit(".", 1)[0]
        return f"{prefix}.{int(self.base.rsplit('.', 1)[1]) + third}.{fourth + 2}"


def _service(ns: str, name: str, ip: str, ports: list[dict], selector: dict | None,
             labels: dict | None = None, type_: str = "ClusterIP") -> dict:
    spec: dict[str, Any] = {"type": type_, "clusterIP": ip, "clusterIPs": [ip], "ports": ports,
                            "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                            "internalTrafficPolicy": "Cluster"}
    if ip == "None":
        spec["clusterIPs"] = ["None"]
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": name}}, "spec": spec}


def _container(name: str, image: str, port: int, cpu_m: int, mem_mi: int, *, probe: bool = True) -> dict:
    c: dict[str, Any] = {
        "name": name, "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": f"{cpu_m}m", "memory": f"{mem_mi}Mi"},
                      "limits": {"cpu": f"{cpu_m * 2}m", "memory": f"{mem_mi}Mi"}},
    }
    if probe:
        c["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"}, "initialDelaySeconds": 3,
                               "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                               "failureThreshold": 3}
    return c


def _workload(kind: str, ns: str, name: str, containers: list[dict], *, replicas: int | None = None,
              labels: dict | None = None, extra_spec: dict | None = None, pod_extra: dict | None = None) -> dict:
    labels = labels or {"app": name}
    tmpl_labels = dict(labels)
    spec: dict[str, Any] = {"selector": {"matchLabels": dict(labels)},
                            "template": {"metadata": {"labels": tmpl_labels},
                                         "spec": {"containers": containers, **(pod_extra or {})}}}
    if replicas is not None:
        spec["replicas"] = replicas
    spec.update(extra_spec or {})
    meta_labels = {**labels, "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": ns}
    return {"apiVersion": "apps/v1", "kind": kind,
            "metadata": {"name": name, "namespace": ns, "labels": meta_labels}, "spec": spec}


def _replica_plan(spec: ClusterSpec, rng: random.Random, system_pods: int) -> dict[str, int]:
    """Replicas per app so the cluster totals about spec.pods pods."""
    names = [a[1] for a in APPS]
    fixed = {PENDING_APP: 1} if spec.pending_pod else {}
    if spec.broken_deployment:
        fixed[BROKEN_APP] = 2
    free = [n for n in names if n not in fixed]
    budget = max(spec.pods - system_pods - sum(fixed.values()), len(free))
    base, extra = divmod(budget, len(free))
    plan = dict.fromkeys(free, base)
    for n in rng.sample(free, extra):
        plan[n] += 1
    plan.update(fixed)
    return plan


def workloads(spec: ClusterSpec, rng: random.Random, now: float) -> Iterator[tuple[str, dict, dict | None]]:
    reg = _PROVIDER[spec.provider][0].format(region=spec.region)
    daemon_nodes = spec.nodes - (1 if spec.not_ready_node else 0)  # daemons tolerate disk pressure
    schedulable = daemon_nodes - (1 if spec.disk_pressure_node and spec.nodes > 1 else 0)
    alloc_cpu, alloc_mem = node_allocatable(spec)
    total_cpu, total_mem = alloc_cpu * schedulable, alloc_mem // 1024 * schedulable
    sys_pods = 2 + 1 + 1 + 1 + 1 + 2 + 1 + 2 * daemon_nodes  # deployments, statefulsets, job, daemonsets
    plan = _replica_plan(spec, rng, sys_pods)
    svc = _Services(spec)
    # Per-cluster utilisation targets make requested % differ across the fleet.
    cpu_budget = total_cpu * rng.uniform(0.30, 0.72) - 1800 - 200 * schedulable
    mem_budget = total_mem * rng.uniform(0.25, 0.65) - 4000 - 250 * schedulable
    weight = sum(w * plan[n] for _, n, _, w, _ in APPS if n != PENDING_APP or not spec.pending_pod)
    cpu_unit, mem_unit = max(cpu_budget / weight, 25), max(mem_budget / weight, 32)

    yield "services", _service("default", "kubernetes", svc.ip(1),
                               [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], None,
                               {"component": "apiserver", "provider": "kubernetes"}), None
    # kube-system
    coredns_img = {"ack": f"registry-{spec.region}-vpc.ack.aliyuncs.com/acs/coredns:v1.11.3.2-f57ea7ed6-aliyun",
                   "eks": f"602401143452.dkr.ecr.{spec.region}.amazonaws.com/eks/coredns:v1.11.4-eksbuild.2"}.get(
        spec.provider, "registry.k8s.io/coredns/coredns:v1.11.3")
    dns = _container("coredns", coredns_img, 53, *_SYSTEM_PODS["coredns"], probe=False)
    dns["ports"] = [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                    {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                    {"name": "metrics", "containerPort": 9153, "protocol": "TCP"}]
    dns["resources"]["limits"] = {"memory": "170Mi"}
    yield "deployments.apps", _workload("Deployment", "kube-system", "coredns", [dns], replicas=2,
                                        labels={"k8s-app": "kube-dns"},
                                        pod_extra={"priorityClassName": "system-cluster-critical",
                                                   "dnsPolicy": "Default"}), None
    yield "services", _service("kube-system", "kube-dns", svc.ip(10), [
        {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
        {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
        {"k8s-app": "kube-dns"}, {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}), None
    ms = _container("metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.2", 10250,
                    *_SYSTEM_PODS["metrics-server"])
    yield "deployments.apps", _workload("Deployment", "kube-system", "metrics-server", [ms], replicas=1,
                                        labels={"k8s-app": "metrics-server"}), None
    yield "services", _service("kube-system", "metrics-server", svc.ip(), [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": "http"}],
        {"k8s-app": "metrics-server"}, {"k8s-app": "metrics-server"}), None
    proxy = _container("kube-proxy", f"registry.k8s.io/kube-proxy:{spec.kubelet_version.split('+')[0].split('-')[0]}",
                       10249, *_SYSTEM_PODS["kube-proxy"], probe=False)
    yield "daemonsets.apps", _workload("DaemonSet", "kube-system", "kube-proxy", [proxy],
                                       labels={"k8s-app": "kube-proxy"},
                                       pod_extra={"hostNetwork": True,
                                                  "priorityClassName": "system-node-critical"}), None
    # monitoring
    exporter = _container("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", 9100,
                          *_SYSTEM_PODS["node-exporter"], probe=False)
    yield "daemonsets.apps", _workload("DaemonSet", "monitoring", "node-exporter", [exporter],
                                       pod_extra={"hostNetwork": True}), None
    prom = _container("prometheus", "quay.io/prometheus/prometheus:v2.54.1", 9090, *_SYSTEM_PODS["prometheus"])
    yield "statefulsets.apps", _stateful(spec, "monitoring", "prometheus", prom, 1, "50Gi"), None
    yield "services", _service("monitoring", "prometheus", svc.ip(), [
        {"name": "http", "port": 9090, "protocol": "TCP", "targetPort": "http"}], {"app": "prometheus"}), None
    for name, image in (("grafana", "docker.io/grafana/grafana:11.2.0"),
                        ("kube-state-metrics", "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0")):
        c = _container(name, image, 3000 if name == "grafana" else 8080, *_SYSTEM_PODS[name])
        yield "deployments.apps", _workload("Deployment", "monitoring", name, [c], replicas=1), None
        yield "services", _service("monitoring", name, svc.ip(), [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}], {"app": name}), None
    # payments database
    pg = _container("postgres", "docker.io/library/postgres:16.4", 5432, *_SYSTEM_PODS["postgres"])
    pg["readinessProbe"] = {"exec": {"command": ["pg_isready", "-U", "postgres"]}, "initialDelaySeconds": 5,
                            "periodSeconds": 10}
    pg["env"] = [{"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials",
                                                                             "key": "password"}}}]
    yield "statefulsets.apps", _stateful(spec, "payments", "postgres", pg, 2, "20Gi"), None
    yield "services", _service("payments", "postgres", "None", [
        {"name": "postgres", "port": 5432, "protocol": "TCP", "targetPort": 5432}], {"app": "postgres"}), None

    for ns, name, version, w, has_service in APPS:
        tag = "broken" if spec.broken_deployment and name == BROKEN_APP else version
        cpu = int(round(cpu_unit * w / 10.0)) * 10 or 10
        mem = int(round(mem_unit * w / 16.0)) * 16 or 16
        if spec.pending_pod and name == PENDING_APP:
            cpu = (alloc_cpu // 1000 + 4) * 1000  # larger than any node: stays Pending
        c = _container(name, f"{reg}/{name}:{tag}", 8080, cpu, mem)
        pod_annotations = {}
        if spec.crash_loop and name == CRASH_APP:
            pod_annotations[EXIT_CODE_ANNOTATION] = "1"  # upstream rate API rejects its key: exits 1
        c["env"] = [{"name": "APP_ENV", "value": spec.env}, {"name": "REGION", "value": spec.region}]
        extra: dict[str, Any] = {"revisionHistoryLimit": 10,
                                 "strategy": {"type": "RollingUpdate",
                                              "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}}
        if tag == "broken":
            extra["progressDeadlineSeconds"] = 120
        workload = _workload("Deployment", ns, name, [c], replicas=plan[name], extra_spec=extra)
        if pod_annotations:
            workload["spec"]["template"]["metadata"]["annotations"] = pod_annotations
        yield "deployments.apps", workload, None
        if has_service:
            type_ = "LoadBalancer" if name in ("storefront", "api-gateway") and spec.provider in ("ack", "eks") else "ClusterIP"
            s = _service(ns, name, svc.ip(), [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}],
                         {"app": name}, type_=type_)
            status = None
            if type_ == "LoadBalancer":
                s["spec"]["externalTrafficPolicy"] = "Cluster"
                lb = ({"ip": f"47.{rng.randrange(96, 120)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"}
                      if spec.provider == "ack" else
                      {"hostname": f"a{short_hash(spec.name, name)}-{rng.randrange(10**9)}.{spec.region}.elb.amazonaws.com"})
                status = {"loadBalancer": {"ingress": [lb]}}
            yield "services", s, status

    yield from _batch(spec, reg, now)
    yield from _config(spec, rng, plan["storefront"])


def _stateful(spec: ClusterSpec, ns: str, name: str, container: dict, replicas: int, size: str) -> dict:
    container["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    sts = _workload("StatefulSet", ns, name, [container], replicas=replicas,
                    extra_spec={"serviceName": name, "podManagementPolicy": "OrderedReady",
                                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}})
    sts["spec"]["volumeClaimTemplates"] = [{
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": _PROVIDER[spec.provider][3],
                 "resources": {"requests": {"storage": size}}}}]
    return sts


def _batch(spec: ClusterSpec, reg: str, now: float) -> Iterator[tuple[str, dict, dict | None]]:
    container = {"name": "reindex", "image": f"{reg}/catalog-indexer:3.2.0",
                 "args": ["--full"], "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}
    yield "jobs.batch", {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "catalog-reindex", "namespace": "shop", "labels": {"app": "catalog-reindex"}},
        "spec": {"completions": 1, "parallelism": 1, "backoffLimit": 6,
                 "template": {"metadata": {"labels": {"app": "catalog-reindex"}},
                              "spec": {"restartPolicy": "Never", "containers": [container]}}}}, None
    yield "cronjobs.batch", {
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "ledger-reconcile", "namespace": "payments"},
        "spec": {"schedule": "0 2 * * *", "concurrencyPolicy": "Forbid", "successfulJobsHistoryLimit": 3,
                 "failedJobsHistoryLimit": 1, "suspend": False,
                 "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [
                     {"name": "reconcile", "image": f"{reg}/ledger:2.8.0", "args": ["reconcile", "--yesterday"]}]}}}}}}, \
        _last_nightly_run(now)


def _last_nightly_run(now: float) -> dict:
    """CronJob status after its most recent 02:00 UTC run (the simulator runs no CronJob controller)."""
    day = 86400
    last = (now - 2 * 3600) // day * day + 2 * 3600
    return {"lastScheduleTime": iso(last), "lastSuccessfulTime": iso(last + 47)}


def _config(spec: ClusterSpec, rng: random.Random, storefront: int) -> Iterator[tuple[str, dict, dict | None]]:
    def cm(ns: str, name: str, data: dict) -> tuple[str, dict, None]:
        return "configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                              "metadata": {"name": name, "namespace": ns}, "data": data}, None

    def secret(ns: str, name: str, type_: str, data: dict) -> tuple[str, dict, None]:
        return "secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
                           "type": type_, "data": {k: b64(v) for k, v in data.items()}}, None

    yield cm("kube-system", "coredns", {"Corefile": ".:53 {\n    errors\n    health\n    ready\n"
                                        "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n"
                                        "      pods insecure\n      fallthrough in-addr.arpa ip6.arpa\n    }\n"
                                        "    prometheus :9153\n    forward . /etc/resolv.conf\n    cache 30\n"
                                        "    loop\n    reload\n    loadbalance\n}\n"})
    yield cm("shop", "storefront-config", {"CURRENCY": "CNY" if spec.provider != "eks" else "USD",
                                           "FEATURE_NEW_CHECKOUT": "true" if spec.env != "prod" else "false"})
    yield cm("shop", "catalog-config", {"SEARCH_URL": "http://search.shop.svc.cluster.local",
                                        "PAGE_SIZE": "48"})
    yield cm("payments", "payments-config", {"LEDGER_URL": "http://ledger.payments.svc.cluster.local",
                                             "RETRY_LIMIT": "5"})
    yield cm("platform", "feature-flags", {"flags.yaml": "dark-mode: true\nnew-search: false\n"})
    yield cm("platform", "api-gateway-routes", {"routes.yaml": "- prefix: /shop\n  service: storefront.shop\n"
                                                "- prefix: /pay\n  service: payments-api.payments\n"})
    yield cm("monitoring", "prometheus-config", {"prometheus.yml": "global:\n  scrape_interval: 30s\n"
                                                 f"  external_labels:\n    cluster: {spec.name}\n"})
    yield cm("monitoring", "grafana-datasources", {"datasources.yaml": "apiVersion: 1\ndatasources:\n"
                                                   "- name: Prometheus\n  type: prometheus\n"
                                                   "  url: http://prometheus.monitoring:9090\n"})
    yield secret("payments", "postgres-credentials", "Opaque",
                 {"username": "postgres", "password": short_hash("pw", spec.name, rng.random(), n=24)})
    yield secret("payments", "psp-api-key", "Opaque", {"api-key": "sk_live_" + short_hash("psp", spec.name, n=24)})
    yield secret("platform", "api-gateway-tls", "kubernetes.io/tls",
                 {"tls.crt": PEM_CERT, "tls.key": "-----BEGIN PRIVATE KEY-----\nsimulated\n-----END PRIVATE KEY-----\n"})
    yield secret("shop", "registry-pull", "kubernetes.io/dockerconfigjson",
                 {".dockerconfigjson": '{"auths":{"registry.example.com":{"auth":"c2ltOnNpbQ=="}}}'})
    ingress_class = _PROVIDER[spec.provider][4]
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": {"name": "storefront", "namespace": "shop"},
           "spec": {"ingressClassName": ingress_class, "tls": [{"hosts": [f"shop-{spec.name}.acme.example.com"],
                                                                "secretName": "storefront-tls"}],
                    "rules": [{"host": f"shop-{spec.name}.acme.example.com", "http": {"paths": [
                        {"path": "/", "pathType": "Prefix",
                         "backend": {"service": {"name": "storefront", "port": {"number": 80}}}}]}}]}}
    yield "ingresses.networking.k8s.io", ing, {"loadBalancer": {"ingress": [
        {"ip": f"10.{rng.randrange(1, 250)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"}]}}
    yield "horizontalpodautoscalers.autoscaling", {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "storefront", "namespace": "shop"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "storefront"},
                 "minReplicas": 2, "maxReplicas": 10,
                 "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                     "type": "Utilization", "averageUtilization": 70}}}]}}, _hpa_status(rng, storefront)


def _hpa_status(rng: random.Random, replicas: int) -> dict:
    """What the HPA controller last reported: the Deployment's size, within range."""
    return {"currentReplicas": replicas, "desiredReplicas": replicas,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                "averageUtilization": rng.randrange(18, 65), "averageValue": f"{rng.randrange(40, 160)}m"}}}],
            "conditions": [
                {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                 "message": "recommended size matches current size"},
                {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound",
                 "message": "the HPA was able to successfully calculate a replica count from cpu resource "
                            "utilization (percentage of request)"},
                {"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange",
                 "message": "the desired count is within the acceptable range"}]}


PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBsimulatedfleettui\n-----END CERTIFICATE-----\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cluster_objects(spec: ClusterSpec, *, seed: str, rng: random.Random, now: float,
                    workloads_of: Callable[[ClusterSpec], Iterator[tuple[str, dict, dict | None]]] | None = None,
                    ) -> Iterator[tuple[str, dict, dict | None]]:
    """(resource, object, status to set after create or None), in creation order.
    `workloads_of`: another profile's workloads (seed_edge's, which builds on this module)."""
    yield from nodes(spec, rng, now)
    if seed == "demo" and workloads_of is not None:
        yield from workloads_of(spec)
    elif seed != "demo":
        yield "services", _service("default", "kubernetes", _Services(spec).ip(1),
                                   [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], None,
                                   {"component": "apiserver", "provider": "kubernetes"}), None
    else:
        yield from workloads(spec, rng, now)
    yield "endpoints", {"apiVersion": "v1", "kind": "Endpoints",
                        "metadata": {"name": "kubernetes", "namespace": "default",
                                     "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
                        "subsets": [{"addresses": [{"ip": _node_ip(spec, 0).rsplit(".", 1)[0] + ".2"}],
                                     "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]}, None
