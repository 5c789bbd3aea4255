"""The demo and empty fleet seeds, and the hub registrations, on SimCluster objects."""

from __future__ import annotations

import base64
import collections
import random

import pytest

from fleettui.sim import seed
from fleettui.sim.clock import VirtualClock
from fleettui.sim.cluster import SimCluster
from fleettui.sim.cluster_spec import ClusterSpec
from fleettui.sim.controllers import ControllerManager
from fleettui.sim.controllers.objects import parse_quantity, pod_requests


def build(count: int, kind: str = "demo", settle: float = 0.0) -> tuple[list[SimCluster], VirtualClock]:
    clock = VirtualClock(start=1_700_000_000.0)
    clock.freeze()
    clusters = []
    for spec in seed.cluster_specs(kind, count):
        c = SimCluster(spec.name, clock, rng=random.Random(spec.name))
        seed.populate(c, spec, seed=kind, rng=random.Random(spec.name))
        clusters.append(c)
    if settle:
        mgr = ControllerManager(clusters, clock)
        t = 0.0
        while t < settle:
            mgr.step()
            clock.advance(1.0)
            t += 1.0
        mgr.step()
    return clusters, clock


def test_small_fleets_still_mix_kinds() -> None:
    names = [s.name for s in seed.cluster_specs("demo", 3)]
    assert names == ["ack-hangzhou-a", "idc-beijing", "edge-shenzhen"]
    eight = seed.cluster_specs("demo", 8)
    assert sorted(s.name for s in eight) == sorted([
        "ack-hangzhou-a", "ack-hangzhou-b", "ack-hangzhou-c", "ack-shanghai-a", "ack-shanghai-b",
        "eks-us-west-2", "idc-beijing", "edge-shenzhen"])
    by_name = {s.name: s for s in eight}
    assert by_name["ack-hangzhou-b"].zones == ("cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j")
    assert by_name["ack-shanghai-a"].zones == ("cn-shanghai-e", "cn-shanghai-f")
    assert (by_name["eks-us-west-2"].provider, by_name["eks-us-west-2"].region) == ("eks", "us-west-2")
    assert (by_name["idc-beijing"].provider, by_name["idc-beijing"].zones) == ("idc", ("idc-bj-1",))
    assert (by_name["edge-shenzhen"].region, by_name["edge-shenzhen"].zones) == ("cn-shenzhen-edge", ("edge-sz-1",))
    assert len({s.kubelet_version for s in eight}) >= 3


def test_large_fleets_generate_more_of_the_same_kinds() -> None:
    specs = seed.cluster_specs("demo", 100)
    names = [s.name for s in specs]
    assert len(set(names)) == 100
    assert names[8:13] == ["ack-hangzhou-d", "ack-shanghai-c", "idc-beijing-2", "edge-shenzhen-2", "eks-us-east-1"]
    kinds = collections.Counter(s.provider for s in specs)
    assert set(kinds) == {"ack", "eks", "idc", "edge"} and min(kinds.values()) >= 15
    assert seed.cluster_specs("demo", 100) == specs  # deterministic


def test_bad_seed_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed"):
        seed.cluster_specs("bogus", 3)
    with pytest.raises(ValueError):
        seed.cluster_specs("demo", -1)


def test_demo_cluster_has_the_scale_profile_and_labelled_nodes() -> None:
    [c], _ = build(1, settle=30)
    spec = seed.cluster_specs("demo", 1)[0]
    nodes = c.list("nodes")
    assert len(nodes) == 5
    for n in nodes:
        labels = n["metadata"]["labels"]
        assert labels["fleettui.io/provider"] == "ack"
        assert labels["topology.kubernetes.io/region"] == "cn-hangzhou"
        assert labels["topology.kubernetes.io/zone"] in spec.zones
        assert labels["env"] == "prod"
        assert labels["kubernetes.io/hostname"] == n["metadata"]["name"]
        assert labels["node.kubernetes.io/instance-type"] == "ecs.g7.2xlarge"
        assert n["status"]["nodeInfo"]["kubeletVersion"] == spec.kubelet_version
        assert set(n["status"]["capacity"]) >= {"cpu", "memory", "pods"}
    assert len({n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes}) == 3
    assert len(c.list("deployments.apps")) == 40
    assert len(c.list("services")) == 40
    assert 115 <= len(c.list("pods")) <= 125
    namespaces = {n["metadata"]["name"] for n in c.list("namespaces")}
    assert namespaces >= {"default", "kube-system", "kube-public", "kube-node-lease", "shop", "payments", "monitoring"}
    assert c.get("deployments.apps", "kube-system", "coredns") is not None
    assert c.list("configmaps") and c.list("secrets") and c.list("statefulsets.apps") and c.list("daemonsets.apps")
    assert c.get("serviceaccounts", "shop", "default") is not None  # the namespace controllers ran
    cron = c.get("cronjobs.batch", "payments", "ledger-reconcile")
    assert cron["status"]["lastScheduleTime"].endswith("T02:00:00Z")
    # everything but the deliberately unhealthy things (all in the one cluster there is) comes up
    unavailable = [d["metadata"]["name"] for d in c.list("deployments.apps")
                   if d["status"].get("availableReplicas", 0) < d["spec"]["replicas"]]
    assert sorted(unavailable) == ["recommendations", "report-renderer"]


def test_demo_fleet_has_its_deliberately_unhealthy_things() -> None:
    clusters, _ = build(3, settle=40)
    first, second, third = clusters
    pending = [p for p in first.list("pods") if p["status"].get("phase") == "Pending"]
    assert [p["metadata"]["labels"]["app"] for p in pending] == ["report-renderer"]
    assert any(e["reason"] == "FailedScheduling" for e in first.list("events"))

    broken = second.get("deployments.apps", "shop", "recommendations")
    assert broken["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":broken")
    states = {p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
              for p in second.list("pods", "shop") if p["metadata"]["labels"]["app"] == "recommendations"}
    assert states <= {"ErrImagePull", "ImagePullBackOff"} and states

    not_ready = [n for n in third.list("nodes")
                 if next(c for c in n["status"]["conditions"] if c["type"] == "Ready")["status"] != "True"]
    assert len(not_ready) == 1
    assert not any(p["spec"].get("nodeName") == not_ready[0]["metadata"]["name"] for p in third.list("pods"))


def test_requested_share_differs_across_clusters() -> None:
    clusters, _ = build(4, settle=30)
    shares = []
    for c in clusters:
        alloc = sum(parse_quantity(n["status"]["allocatable"]["cpu"]) for n in c.list("nodes"))
        requested = sum(pod_requests(p)[0] for p in c.list("pods")
                        if p["spec"].get("nodeName") and p["status"].get("phase") != "Succeeded")
        shares.append(round(requested / alloc, 2))
    assert all(0.1 < s < 0.95 for s in shares)
    assert len(set(shares)) == len(shares)


def test_empty_seed_is_a_fresh_cluster() -> None:
    [c], _ = build(1, kind="empty")
    assert {n["metadata"]["name"] for n in c.list("namespaces")} == set(seed.BUILTIN_NAMESPACES)
    assert len(c.list("nodes")) == 5
    assert c.list("deployments.apps") == [] and c.list("pods") == []
    assert [s["metadata"]["name"] for s in c.list("services")] == ["kubernetes"]


def _hub(count: int, kind: str = "demo") -> tuple[SimCluster, list[ClusterSpec]]:
    clock = VirtualClock(start=1_700_000_000.0)
    clock.freeze()
    hub = SimCluster("hub", clock, rng=random.Random(0))
    specs = seed.cluster_specs(kind, count)
    seed.populate_hub(hub, specs, seed=kind, base_url="http://127.0.0.1:8001/")
    return hub, specs


def test_hub_serves_ocm_and_kubevela_crds() -> None:
    hub, _ = _hub(3, kind="empty")
    crds = {c["metadata"]["name"]: c for c in hub.list("customresourcedefinitions.apiextensions.k8s.io")}
    mc = crds["managedclusters.cluster.open-cluster-management.io"]["spec"]
    assert mc["scope"] == "Cluster" and mc["versions"][0]["name"] == "v1"
    app = crds["applications.core.oam.dev"]["spec"]
    assert app["scope"] == "Namespaced" and "app" in app["names"]["shortNames"]
    assert app["versions"][0]["subresources"] == {"status": {}}
    spec_schema = app["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    assert spec_schema["x-kubernetes-preserve-unknown-fields"] is True
    assert hub.list("managedclusters.cluster.open-cluster-management.io") == []  # empty seed: no members


def test_hub_registers_every_member() -> None:
    hub, specs = _hub(3)
    managed = {m["metadata"]["name"]: m for m in hub.list("managedclusters.cluster.open-cluster-management.io")}
    assert set(managed) == {s.name for s in specs}
    a = managed["ack-hangzhou-a"]
    assert a["spec"]["hubAcceptsClient"] is True
    assert a["spec"]["managedClusterClientConfigs"][0]["url"] == "http://127.0.0.1:8001/clusters/ack-hangzhou-a"
    assert a["metadata"]["labels"]["cloud"] == "Alibaba" and a["metadata"]["labels"]["region"] == "cn-hangzhou"
    conds = {c["type"]: (c["status"], c["reason"]) for c in a["status"]["conditions"]}
    assert conds == {"HubAcceptedManagedCluster": ("True", "HubClusterAdminAccepted"),
                     "ManagedClusterJoined": ("True", "ManagedClusterJoined"),
                     "ManagedClusterConditionAvailable": ("True", "ManagedClusterAvailable")}
    assert a["status"]["version"]["kubernetes"] == specs[0].kubelet_version
    assert set(a["status"]["capacity"]) >= {"cpu", "memory"}
    edge = managed["edge-shenzhen"]
    available = next(c for c in edge["status"]["conditions"] if c["type"] == "ManagedClusterConditionAvailable")
    assert (available["status"], available["reason"]) == ("Unknown", "ManagedClusterLeaseUpdateStopped")

    secrets = {s["metadata"]["name"]: s for s in hub.list("secrets", "vela-system")}
    assert set(secrets) == set(managed)
    for name, s in secrets.items():
        assert base64.b64decode(s["data"]["endpoint"]).decode() == f"http://127.0.0.1:8001/clusters/{name}"
    assert secrets["ack-hangzhou-a"]["metadata"]["labels"]["cluster.core.oam.dev/cluster-credential-type"] == "X509Certificate"
    assert "tls.crt" in secrets["ack-hangzhou-a"]["data"]
    assert secrets["idc-beijing"]["metadata"]["labels"]["cluster.core.oam.dev/cluster-credential-type"] == "ServiceAccountToken"
    assert "token" in secrets["idc-beijing"]["data"]


def _settle(mgr: ControllerManager, clock: VirtualClock, seconds: int) -> None:
    for _ in range(seconds):
        mgr.step()
        clock.advance(1.0)
    mgr.step()


def _writes_while_idle(clusters: list[SimCluster], clock: VirtualClock, mgr: ControllerManager) -> list[int]:
    before = [int(c.resource_version) for c in clusters]
    for _ in range(80):
        clock.advance(0.5)
        mgr.step()
    return [int(c.resource_version) - b for c, b in zip(clusters, before, strict=True)]


def test_a_settled_demo_fleet_is_quiet() -> None:
    """Event-driven controllers: once settled, only heartbeats (and the broken image's
    back-off) write anything, not a pass over every object per tick."""
    clusters, clock = build(3)
    mgr = ControllerManager(clusters, clock)
    _settle(mgr, clock, 60)
    assert min(c.count() for c in clusters) > 400
    writes = _writes_while_idle(clusters, clock, mgr)
    assert all(w < 40 for w in writes), writes


def test_a_restarted_controller_manager_leaves_a_settled_fleet_alone() -> None:
    clusters, clock = build(3)
    first = ControllerManager(clusters, clock)
    _settle(first, clock, 60)
    first.close()
    second = ControllerManager(clusters, clock)  # primes from what is there, as after a restart
    writes = _writes_while_idle(clusters, clock, second)
    assert all(w < 40 for w in writes), writes


def test_larger_demo_fleets_add_disk_pressure_and_a_crash_loop() -> None:
    clusters, _ = build(5, settle=30)
    fourth, fifth = clusters[3], clusters[4]
    pressured = [n["metadata"]["name"] for n in fourth.list("nodes")
                 if next(c for c in n["status"]["conditions"] if c["type"] == "DiskPressure")["status"] == "True"]
    assert len(pressured) == 1
    on_it = {p["metadata"]["labels"].get("app") for p in fourth.list("pods") if p["spec"].get("nodeName") == pressured[0]}
    assert on_it <= {"kube-proxy", "node-exporter", None}  # only daemons tolerate the pressure taint
    crashing = [p for p in fifth.list("pods", "payments") if p["metadata"]["labels"]["app"] == "currency-rates"]
    assert crashing and all(p["status"]["containerStatuses"][0]["restartCount"] >= 1 for p in crashing)
    assert all(c.get("deployments.apps", "payments", "currency-rates")["status"].get("availableReplicas", 0)
               == c.get("deployments.apps", "payments", "currency-rates")["spec"]["replicas"] for c in clusters[:4])
