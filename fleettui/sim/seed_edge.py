"""The `edge` profile: many small sites (retail stores, telco cabinets) behind flaky links.

Each site is a k3s-like cluster of 1-2 nodes running about fifteen pods: the k3s
system add-ons (CoreDNS, metrics-server, local-path-provisioner, Traefik), a
node-exporter per node and a handful of store applications. Sites are spread
over a few regions so a fleet of a thousand groups into a few regions of a few
hundred each, as a retail or telco edge estate does.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from .cluster_spec import ClusterSpec
from .seed_catalog import _container, _service, _Services, _workload

EDGE_NAMESPACES = ("store",)
# region, short code used in names and zones
EDGE_REGIONS = (("cn-shenzhen-edge", "sz"), ("cn-hangzhou-edge", "hz"), ("cn-beijing-edge", "bj"),
                ("cn-chengdu-edge", "cd"))
_REG = "harbor.idc-bj.acme.internal/acme"
# name, version, replicas, cpu m, memory Mi, has a Service
EDGE_APPS: tuple[tuple[str, str, int, int, int, bool], ...] = (
    ("pos-gateway", "3.4.1", 2, 100, 128, True), ("price-display", "1.8.0", 2, 50, 64, True),
    ("camera-ingest", "0.9.4", 2, 200, 256, True), ("inventory-sync", "2.2.3", 1, 50, 96, False),
    ("mqtt-broker", "2.0.18", 1, 100, 128, True), ("telemetry-agent", "1.5.0", 1, 50, 64, False),
)


def edge_specs(count: int, rng: random.Random) -> list[ClusterSpec]:
    """`count` edge sites, round-robin over the regions; deterministic for a given rng."""
    specs = []
    for i in range(count):
        region, code = EDGE_REGIONS[i % len(EDGE_REGIONS)]
        nodes = rng.choice((1, 2))
        site = i // len(EDGE_REGIONS) + 1
        name = f"edge-{code}-{site:04d}"
        env = "prod" if i % 10 else "staging"  # every tenth site is a pilot store
        labels = {"fleettui.io/provider": "edge", "topology.kubernetes.io/region": region, "env": env,
                  "fleettui.io/site": "store"}
        specs.append(ClusterSpec(
            name=name, provider="edge", region=region, zones=(f"edge-{code}-{site}",), labels=labels, env=env,
            kubelet_version=rng.choice(("v1.30.14+k3s1", "v1.31.9+k3s1")), instance_type="edge.arm64.4c8g",
            node_cpu=4, node_memory_gi=8, arch="arm64", index=i, nodes=nodes,
            deployments=4 + len(EDGE_APPS), services=3 + sum(a[5] for a in EDGE_APPS), pods=15,
            # now and then a site's second box is off (a site with one keeps it, or nothing runs)
            not_ready_node=nodes == 2 and i % 23 == 5, profile="edge",
        ))
    return specs


def edge_workloads(spec: ClusterSpec) -> Iterator[tuple[str, dict, dict | None]]:
    """(resource, object, status) of one site's workloads and their Services."""
    svc = _Services(spec)
    yield "services", _service("default", "kubernetes", svc.ip(1),
                               [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], None,
                               {"component": "apiserver", "provider": "kubernetes"}), None
    system = (("coredns", "rancher/mirrored-coredns-coredns:1.12.0", 53, 100, 70),
              ("metrics-server", "rancher/mirrored-metrics-server:v0.7.2", 10250, 100, 70),
              ("local-path-provisioner", "rancher/local-path-provisioner:v0.0.30", 8080, 50, 32),
              ("traefik", "rancher/mirrored-library-traefik:2.11.10", 8000, 100, 64))
    for name, image, port, cpu, mem in system:
        c = _container(name, image, port, cpu, mem, probe=name != "local-path-provisioner")
        labels = {"k8s-app": "kube-dns"} if name == "coredns" else {"app": name}
        yield "deployments.apps", _workload("Deployment", "kube-system", name, [c], replicas=1, labels=labels,
                                            pod_extra={"priorityClassName": "system-cluster-critical"}), None
        if name != "local-path-provisioner":
            yield "services", _service("kube-system", "kube-dns" if name == "coredns" else name, svc.ip(
                10 if name == "coredns" else None), [{"name": "http", "port": port, "protocol": "TCP",
                                                      "targetPort": port}], labels,
                type_="LoadBalancer" if name == "traefik" else "ClusterIP"), None
    exporter = _container("node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", 9100, 50, 64, probe=False)
    yield "daemonsets.apps", _workload("DaemonSet", "kube-system", "node-exporter", [exporter],
                                       pod_extra={"hostNetwork": True}), None
    for name, version, replicas, cpu, mem, has_service in EDGE_APPS:
        c = _container(name, f"{_REG}/{name}:{version}", 8080, cpu, mem)
        c["env"] = [{"name": "SITE", "value": spec.name}, {"name": "REGION", "value": spec.region}]
        extra: dict[str, Any] = {"revisionHistoryLimit": 3}
        yield "deployments.apps", _workload("Deployment", "store", name, [c], replicas=replicas,
                                            extra_spec=extra), None
        if has_service:
            yield "services", _service("store", name, svc.ip(), [
                {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}], {"app": name}), None
    yield "configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "site", "namespace": "store"},
                         "data": {"site": spec.name, "region": spec.region}}, None
