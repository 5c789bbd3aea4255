"""Seeded fleets look as old as real ones: backdated objects, and first children of them."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from fleettui.sim import seed
from fleettui.sim.clock import VirtualClock
from fleettui.sim.cluster import SimCluster
from fleettui.sim.controllers import ControllerManager
from fleettui.sim.controllers.runtime import SETTLE_WINDOW

DAY = 86400
START = 1_700_000_000.0


def ts(obj: dict) -> float:
    return datetime.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC).timestamp()


def fleet(rng_seed: str = "x", count: int = 2) -> tuple[list[SimCluster], VirtualClock, ControllerManager]:
    clock = VirtualClock(start=START)
    clock.freeze()
    clusters = []
    for spec in seed.cluster_specs("demo", count):
        c = SimCluster(spec.name, clock, rng=random.Random(rng_seed + spec.name))
        seed.populate(c, spec, seed="demo", rng=random.Random(rng_seed + spec.name))
        clusters.append(c)
    return clusters, clock, ControllerManager(clusters, clock)


def settle(clock: VirtualClock, mgr: ControllerManager, seconds: int) -> None:
    for _ in range(seconds):
        mgr.step()
        clock.advance(1.0)
    mgr.step()


def test_seeded_objects_are_days_to_months_old_and_deterministic() -> None:
    (c, _), _, _ = fleet()
    for resource in ("namespaces", "nodes", "deployments.apps", "services", "configmaps", "statefulsets.apps"):
        ages = [(START - ts(o)) / DAY for o in c.list(resource)]
        assert ages and all(a >= 1 for a in ages), (resource, ages)
    assert all(ts(o) < START for r in ("secrets", "daemonsets.apps") for o in c.list(r))
    apps = [(START - ts(o)) / DAY for o in c.list("deployments.apps", "shop")]
    assert 2 <= min(apps) and max(apps) <= 60 and len({round(a) for a in apps}) > 5  # spread, not one age
    namespaces = {n["metadata"]["name"]: ts(n) for n in c.list("namespaces")}
    for resource in ("deployments.apps", "services", "configmaps", "cronjobs.batch"):
        for o in c.list(resource):
            assert ts(o) >= namespaces[o["metadata"]["namespace"]], o["metadata"]
    cron = c.get("cronjobs.batch", "payments", "ledger-reconcile")
    assert ts(cron) < datetime.strptime(cron["status"]["lastScheduleTime"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC).timestamp()
    node = c.list("nodes")[0]
    transitions = [c_["lastTransitionTime"] for c_ in node["status"]["conditions"]]
    assert all(node["metadata"]["creationTimestamp"] <= t for t in transitions)
    assert c.get("jobs.batch", "shop", "catalog-reindex")["metadata"]["creationTimestamp"] == c.clock.iso(START)
    (same, _), _, _ = fleet()
    (other, _), _, _ = fleet("y")
    stamps = [o["metadata"]["creationTimestamp"] for o in c.list("deployments.apps")]
    assert stamps == [o["metadata"]["creationTimestamp"] for o in same.list("deployments.apps")]
    assert stamps != [o["metadata"]["creationTimestamp"] for o in other.list("deployments.apps")]


def test_first_children_take_their_owners_age_later_ones_are_fresh() -> None:
    clusters, clock, mgr = fleet()
    c = clusters[0]
    settle(clock, mgr, 30)
    web = c.get("deployments.apps", "shop", "storefront")
    (rs,) = [r for r in c.list("replicasets.apps", "shop") if r["metadata"]["name"].startswith("storefront-")]
    assert ts(rs) == ts(web) + 2
    pods = [p for p in c.list("pods", "shop") if p["metadata"]["name"].startswith(rs["metadata"]["name"])]
    assert pods and all(ts(p) == ts(rs) + 2 for p in pods)
    assert all(ts(p) < START for p in c.list("pods") if p["metadata"]["namespace"] != "shop"
               or p["metadata"]["labels"].get("app") != "catalog-reindex")
    assert all(ts(pvc) < START for pvc in c.list("persistentvolumeclaims"))
    # A replacement pod is fresh, even inside the settle window.
    c.delete("pods", "shop", pods[0]["metadata"]["name"])
    settle(clock, mgr, 1)
    (fresh,) = [p for p in c.list("pods", "shop") if p["metadata"]["name"].startswith(rs["metadata"]["name"])
                and ts(p) >= START]
    assert START + 30 <= ts(fresh) <= clock.now()
    # A rollout's new ReplicaSet and its pods are fresh; so is all of a new Deployment.
    clock.advance(SETTLE_WINDOW)
    settle(clock, mgr, 1)
    patched = c.get("deployments.apps", "shop", "storefront")
    patched = {**patched, "spec": {**patched["spec"], "template": {
        **patched["spec"]["template"], "metadata": {"labels": {"app": "storefront"}, "annotations": {"x": "1"}}}}}
    c.update("deployments.apps", patched)
    settle(clock, mgr, 40)
    rs_all = sorted((r for r in c.list("replicasets.apps", "shop") if r["metadata"]["name"].startswith("storefront-")),
                    key=ts)
    assert len(rs_all) == 2 and ts(rs_all[1]) > START + SETTLE_WINDOW
    assert all(ts(p) > START + SETTLE_WINDOW for p in c.list("pods", "shop")
               if p["metadata"]["name"].startswith(rs_all[1]["metadata"]["name"]))
    available = c.get("deployments.apps", "shop", "storefront")["status"]
    assert available.get("updatedReplicas") == available.get("availableReplicas") == patched["spec"]["replicas"]


def test_hub_registrations_date_from_when_members_joined() -> None:
    clock = VirtualClock(start=START)
    clock.freeze()
    hub = SimCluster("hub", clock, rng=random.Random(1))
    specs = seed.cluster_specs("demo", 3)
    seed.populate_hub(hub, specs, seed="demo", base_url="http://127.0.0.1:1")
    crd = hub.list("customresourcedefinitions.apiextensions.k8s.io")[0]
    for mc in hub.list("managedclusters.cluster.open-cluster-management.io"):
        joined = next(c for c in mc["status"]["conditions"] if c["type"] == "ManagedClusterJoined")
        assert ts(crd) < ts(mc) < START - 29 * DAY and mc["metadata"]["creationTimestamp"] < joined["lastTransitionTime"]
        assert hub.get("namespaces", None, mc["metadata"]["name"])["metadata"]["creationTimestamp"] == \
            mc["metadata"]["creationTimestamp"]
