"""What the simulated fleet contains at start.

Two seeds:
- `demo`: a hybrid fleet. The first eight clusters are named and ordered so that
  a small fleet still mixes kinds: ack-hangzhou-a, idc-beijing, edge-shenzhen,
  eks-us-west-2, ack-shanghai-a, ack-hangzhou-b, ack-shanghai-b, ack-hangzhou-c
  (so `--clusters 3` gives public cloud, on-premises and edge). Beyond eight,
  more of the same kinds are generated in turn (ack-hangzhou-d, ack-shanghai-c,
  idc-beijing-2, edge-shenzhen-2, eks-us-east-1, ...).
  Every cluster has the scale profile of the issue: 5 nodes, 40 Deployments,
  40 Services and about 120 pods (the controllers create the pods), with CPU and
  memory requests sized to a per-cluster utilisation so requested % differs.
  Deliberately unhealthy, by position in the fleet: the 1st cluster has a pod
  that fits no node (Pending, FailedScheduling), the 2nd a Deployment whose
  image tag is `broken` (ImagePullBackOff, then ProgressDeadlineExceeded after
  its 120 s deadline), the 3rd a NotReady node; with fewer clusters these pile
  onto the ones there are. Fleets of 4+ also have a node under DiskPressure
  (tainted, so nothing new lands there) in the 4th, and of 5+ a crash-looping
  `payments/currency-rates` (CrashLoopBackOff) in the 5th. Generated clusters get the same faults now and then.
- the `edge` profile (either seed): small sites instead, see seed_edge.py.
- `empty`: built-in namespaces, the `kubernetes` Service and the nodes only.

The hub gets the OCM ManagedCluster and KubeVela Application CRDs; with the demo
seed also one ManagedCluster and one KubeVela cluster Secret per member (the
edge cluster, or else the last one, shows as unavailable).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from .cluster_spec import ClusterSpec
from .seed_catalog import APP_NAMESPACES, cluster_objects, iso
from .seed_edge import EDGE_NAMESPACES, edge_specs, edge_workloads
from .seed_hub import clustersets, hub_crds, member_registration
from .seed_monitoring import prometheusrule_crd

BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


# name, provider, region, zones, env, kubelet version, instance type, cpu, memory GiB, arch
_NAMED: tuple[tuple[Any, ...], ...] = (
    ("ack-hangzhou-a", "ack", "cn-hangzhou", ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"), "prod",
     "v1.33.3-aliyun.1", "ecs.g7.2xlarge", 8, 32, "amd64"),
    ("idc-beijing", "idc", "cn-beijing-idc", ("idc-bj-1",), "prod",
     "v1.30.14", "bare-metal.16c64g", 16, 64, "amd64"),
    ("edge-shenzhen", "edge", "cn-shenzhen-edge", ("edge-sz-1",), "prod",
     "v1.30.14+k3s1", "edge.arm64.8c16g", 8, 16, "arm64"),
    ("eks-us-west-2", "eks", "us-west-2", ("us-west-2a",), "prod",
     "v1.31.9-eks-5d4a308", "m6i.2xlarge", 8, 32, "amd64"),
    ("ack-shanghai-a", "ack", "cn-shanghai", ("cn-shanghai-e", "cn-shanghai-f"), "prod",
     "v1.32.7-aliyun.1", "ecs.g7.2xlarge", 8, 32, "amd64"),
    ("ack-hangzhou-b", "ack", "cn-hangzhou", ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"), "staging",
     "v1.33.3-aliyun.1", "ecs.c7.2xlarge", 8, 16, "amd64"),
    ("ack-shanghai-b", "ack", "cn-shanghai", ("cn-shanghai-e", "cn-shanghai-f"), "dev",
     "v1.31.9-aliyun.1", "ecs.g7.xlarge", 4, 16, "amd64"),
    ("ack-hangzhou-c", "ack", "cn-hangzhou", ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"), "dev",
     "v1.32.7-aliyun.1", "ecs.g7.2xlarge", 8, 32, "amd64"),
)

_EKS_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1", "eu-central-1", "us-east-2", "ap-northeast-1")
_ENVS = ("prod", "staging", "dev")


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def _generated(i: int, rng: random.Random) -> tuple[Any, ...]:
    """The i-th cluster beyond the named ones (i counts from 0), cycling the kinds."""
    kind, round_ = i % 5, i // 5
    env = rng.choice(_ENVS)
    if kind == 0:
        return (f"ack-hangzhou-{_letters(3 + round_)}", "ack", "cn-hangzhou",
                ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"), env,
                rng.choice(("v1.33.3-aliyun.1", "v1.32.7-aliyun.1")), "ecs.g7.2xlarge", 8, 32, "amd64")
    if kind == 1:
        return (f"ack-shanghai-{_letters(2 + round_)}", "ack", "cn-shanghai", ("cn-shanghai-e", "cn-shanghai-f"),
                env, rng.choice(("v1.32.7-aliyun.1", "v1.31.9-aliyun.1")), "ecs.g7.2xlarge", 8, 32, "amd64")
    if kind == 2:
        return (f"idc-beijing-{round_ + 2}", "idc", "cn-beijing-idc", (f"idc-bj-{round_ + 2}",), env,
                "v1.30.14", "bare-metal.16c64g", 16, 64, "amd64")
    if kind == 3:
        return (f"edge-shenzhen-{round_ + 2}", "edge", "cn-shenzhen-edge", (f"edge-sz-{round_ + 2}",), env,
                "v1.30.14+k3s1", "edge.arm64.8c16g", 8, 16, "arm64")
    region = _EKS_REGIONS[round_ % len(_EKS_REGIONS)]
    suffix = "" if round_ < len(_EKS_REGIONS) else f"-{round_ // len(_EKS_REGIONS) + 1}"
    return (f"eks-{region}{suffix}", "eks", region, (f"{region}a",), env,
            rng.choice(("v1.31.9-eks-5d4a308", "v1.32.5-eks-98436be")), "m6i.2xlarge", 8, 32, "amd64")


PROFILES = ("standard", "edge")


def cluster_specs(seed: str, count: int, profile: str = "standard") -> list[ClusterSpec]:
    """The fleet's member clusters, in seed order. Deterministic for a given count.
    `profile="edge"`: small sites instead (see seed_edge.py)."""
    if seed not in ("demo", "empty"):
        raise ValueError(f"unknown seed {seed!r} (expected 'demo' or 'empty')")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (expected one of {', '.join(PROFILES)})")
    if count < 0:
        raise ValueError("the cluster count cannot be negative")
    rng = random.Random(f"fleet/{count}")
    if profile == "edge":
        return edge_specs(count, rng)
    rows = [_NAMED[i] if i < len(_NAMED) else _generated(i - len(_NAMED), rng) for i in range(count)]
    edge = next((i for i, r in enumerate(rows) if r[1] == "edge"), count - 1)
    demo = seed == "demo"
    specs = []
    for i, (name, provider, region, zones, env, version, itype, cpu, mem, arch) in enumerate(rows):
        labels = {"fleettui.io/provider": provider, "topology.kubernetes.io/region": region, "env": env}
        specs.append(ClusterSpec(
            name=name, provider=provider, region=region, zones=tuple(zones), labels=labels, env=env,
            kubelet_version=version, instance_type=itype, node_cpu=cpu, node_memory_gi=mem, arch=arch, index=i,
            pending_pod=demo and (i == 0 or (i >= 8 and i % 13 == 4)),
            broken_deployment=demo and (i == min(1, count - 1) or (i >= 8 and i % 7 == 3)),
            not_ready_node=demo and (i == min(2, count - 1) or (i >= 8 and i % 11 == 5)),
            # the three faults pile onto small fleets; these two extras need the clusters
            disk_pressure_node=demo and (i == 3 or (i >= 8 and i % 17 == 6)),
            crash_loop=demo and (i == 4 or (i >= 8 and i % 19 == 9)),
            hub_available=not (demo and i == edge and count > 1),
        ))
    return specs


DAY = 86400.0
# Made at start by design, so as young as they look: the reindex Job runs when the fleet starts.
_FRESH = ("jobs.batch",)


class _Ages:
    """Backdated creation times for a seeded cluster (deterministic by its rng).

    The cluster was born months ago, its built-in objects with it; the app namespaces
    came days later; workloads and their config days to weeks before now. A time is
    never after a time its object's seeded status reports (a node's boot, a CronJob's
    last run) nor before its namespace.
    """

    def __init__(self, rng: random.Random, now: float) -> None:
        self.rng, self.now = rng, now
        self.birth = now - DAY * rng.uniform(120, 400)
        self.namespaces: dict[str, float] = {}

    def namespace(self, name: str) -> float:
        builtin = name in BUILTIN_NAMESPACES
        t = self.birth if builtin else self.birth + DAY * self.rng.uniform(1, 20)
        self.namespaces[name] = t
        return t

    def of(self, resource: str, obj: dict, status: dict | None) -> float | None:
        if resource in _FRESH:
            return None
        ns = (obj.get("metadata") or {}).get("namespace")
        floor = self.namespaces.get(ns, self.birth) if ns else self.birth
        if ns == "kube-system" or resource == "nodes" or (ns == "default" and resource == "services"):
            t = self.rng.uniform(floor + 60, floor + 3600)  # installed with the cluster
        else:
            t = self.rng.uniform(max(floor + 3600, self.now - 60 * DAY), self.now - 2 * DAY)
        ceiling = min(_times(status), default=self.now) - 60
        return max(floor, min(t, ceiling))


def _times(value: Any) -> list[float]:
    """Every RFC 3339 timestamp in a (status) document."""
    if isinstance(value, dict):
        return [t for v in value.values() for t in _times(v)]
    if isinstance(value, list):
        return [t for v in value for t in _times(v)]
    if isinstance(value, str) and len(value) == 20 and value[4] == "-" and value.endswith("Z"):
        try:
            return [datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()]
        except ValueError:
            return []
    return []


def populate(cluster: Any, spec: ClusterSpec, *, seed: str, rng: random.Random) -> None:
    """Create the cluster's initial objects; the controllers take it from there."""
    now = cluster.clock.now()
    ages = _Ages(random.Random(rng.getrandbits(64)), now)
    apps = EDGE_NAMESPACES if spec.profile == "edge" else APP_NAMESPACES
    for ns in BUILTIN_NAMESPACES + (apps if seed == "demo" else ()):
        cluster.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                       creation_timestamp=iso(ages.namespace(ns)))
    # installed with the monitoring stack, a day after the cluster was born
    cluster.create("customresourcedefinitions.apiextensions.k8s.io", prometheusrule_crd(),
                   creation_timestamp=iso(ages.birth + DAY))
    workloads_of = edge_workloads if spec.profile == "edge" else None
    for resource, obj, status in cluster_objects(spec, seed=seed, rng=rng, now=now, workloads_of=workloads_of):
        t = ages.of(resource, obj, status)
        created = cluster.create(resource, obj, creation_timestamp=iso(t) if t is not None else None)
        if status is not None:
            m = created["metadata"]
            cluster.set_status(resource, m.get("namespace"), m["name"], status)
    cluster.seeded_at = now


def populate_hub(hub: Any, specs: list[ClusterSpec], *, seed: str, base_url: str) -> None:
    """CRDs of OCM and KubeVela; with the demo seed, every member registered in both.

    With the demo seed the hub is backdated as the members are: installed before the
    first member joined, each member's namespace, ManagedCluster and Secret made as it
    joined (the Joined condition's time).
    """
    now = hub.clock.now()
    demo = seed == "demo"
    birth = iso(now - DAY * (31 + len(specs))) if demo else None
    namespaces = BUILTIN_NAMESPACES + ("open-cluster-management", "open-cluster-management-hub", "vela-system")
    for ns in namespaces:
        hub.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                   creation_timestamp=birth)
    for crd in hub_crds():
        hub.create("customresourcedefinitions.apiextensions.k8s.io", crd, creation_timestamp=birth)
    if not demo:
        return
    for resource, obj in clustersets():
        hub.create(resource, obj, creation_timestamp=birth)
    base = base_url.rstrip("/")
    for spec in specs:
        managed, status, secret = member_registration(spec, f"{base}/clusters/{spec.name}", now=now)
        joined = iso(min(_times(status), default=now) - 60)
        # OCM gives every managed cluster a namespace of its name on the hub
        hub.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": spec.name}},
                   creation_timestamp=joined)
        created = hub.create("managedclusters.cluster.open-cluster-management.io", managed,
                             creation_timestamp=joined)
        hub.set_status("managedclusters.cluster.open-cluster-management.io", None, created["metadata"]["name"], status)
        hub.create("secrets", secret, creation_timestamp=joined)
    hub.seeded_at = now
