"""Pure DR analysis over hand-built inventories: domains, replicas lost, room for
them (nodeSelector, taints, resources), services, traffic, score and policy."""

from __future__ import annotations

import copy

import pytest

from fleettui.config.dr_policy import AppMatcher, ResiliencePolicy, TrafficEntry, TrafficPool
from fleettui.dr import Domain, DomainError, score, what_if
from fleettui.dr.capacity import admits, tolerates
from fleettui.dr.model import AppSite, ClusterSite, EndpointRow, Inventory, NodeSite, Replicas

GIB = 1 << 30


def node(cluster, name, zone, cpu=4000, mem=8 * GIB, **kw):
    return NodeSite(cluster, name, zone, kw.pop("ready", True), kw.pop("schedulable", True), cpu, mem, **kw)


DEFAULT = ResiliencePolicy()


def fleet(policy=DEFAULT, traffic=()):
    clusters = (
        ClusterSite("hz-a", "hangzhou", ("h",), True, "http://prom-a:9090"),
        ClusterSite("hz-multi", "hangzhou", ("h", "i"), True),
        ClusterSite("sh-a", "shanghai", ("e",), True),
    )
    nodes = (
        node("hz-a", "a1", "h"), node("hz-a", "a2", "h"),
        node("hz-multi", "m1", "h"), node("hz-multi", "m2", "i", cpu=1000),
        node("sh-a", "s1", "e", labels={"disk": "ssd"}, taints=(("dedicated", "db", "NoSchedule"),)),
        node("sh-a", "s2", "e", cpu=500),
    )
    web = AppSite("shop", "web", {"tier": "1"}, (
        Replicas("hz-a", "Deployment", "shop", "web", 2, {"a1": 1, "a2": 1}, 500, GIB),
        Replicas("hz-multi", "Deployment", "shop", "web", 2, {"m1": 1, "m2": 1}, 500, GIB),
        Replicas("sh-a", "Deployment", "shop", "web", 2, {"s2": 2}, 500, GIB),
    ))
    db = AppSite("data", "db", {}, (
        Replicas("hz-a", "StatefulSet", "data", "db", 3, {"a1": 2, "a2": 1}, 3000, GIB,
                 {"disk": "ssd"}, ({"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"},)),
        Replicas("sh-a", "StatefulSet", "data", "db", 1, {"s1": 1}, 3000, GIB,
                 {"disk": "ssd"}, ({"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"},)),
    ))
    endpoints = (
        EndpointRow("shop", "web", "hz-a", 2, "h"), EndpointRow("shop", "web", "hz-multi", 1, "h"),
        EndpointRow("shop", "web", "hz-multi", 1, "i"), EndpointRow("data", "db", "hz-a", 3, "h"),
    )
    return Inventory(clusters, nodes, (web, db), endpoints, traffic, policy,
                     clusterset_services=frozenset({("shop", "web"), ("data", "db")}))


def impact(result, key):
    return next(a for a in result.apps if a.key == key)


def test_cluster_failure_loses_its_replicas_and_keeps_the_rest():
    r = what_if(fleet(), Domain("cluster", "hz-a"))
    web = impact(r, "shop/web")
    assert (web.lost, web.remaining, web.survives) == (2, {"hz-multi": 2, "sh-a": 2}, True)
    assert r.clusters_down == ("hz-a",) and r.nodes_down == 0
    assert [a.cluster for a in r.alerting] == ["hz-a"] and "Watchdog" in r.alerting[0].message


def test_zone_failure_takes_part_of_a_multi_zone_cluster():
    r = what_if(fleet(), Domain("zone", "h"))
    assert r.clusters_down == ("hz-a",)  # all its nodes are in h
    assert r.nodes_down == 1  # m1 of the multi-zone cluster
    web = impact(r, "shop/web")
    assert web.lost == 3 and web.remaining == {"hz-multi": 1, "sh-a": 2}
    # m1's replica is rescheduled inside hz-multi (m2 has room for one 500m replica, not two);
    # hz-a's two go to the app's other surviving clusters
    assert web.rescheduled.get("hz-multi", 0) >= 1
    assert sum(web.rescheduled.values()) + web.nowhere == 3


def test_node_selector_taints_and_resources_decide_where_replicas_go():
    r = what_if(fleet(), Domain("cluster", "hz-a"))
    db = impact(r, "data/db")
    # only s1 carries disk=ssd and the db tolerates its taint; 4000m free fits one 3000m replica
    assert db.rescheduled == {"sh-a": 1} and db.nowhere == 2
    assert db.remaining == {"sh-a": 1}


def test_tolerations_follow_core_v1_rules():
    assert tolerates([{"operator": "Exists"}], "any", "", "NoSchedule")
    assert tolerates([{"key": "k", "operator": "Exists", "effect": "NoExecute"}], "k", "v", "NoExecute")
    assert not tolerates([{"key": "k", "operator": "Exists", "effect": "NoExecute"}], "k", "v", "NoSchedule")
    assert not tolerates([{"key": "k", "value": "a"}], "k", "b", "NoSchedule")
    tainted = node("c", "n", "z", taints=(("k", "v", "NoSchedule"),))
    assert not admits(tainted, Replicas("c", "Deployment", "ns", "w", 1, {}))
    prefer = node("c", "n", "z", taints=(("k", "v", "PreferNoSchedule"),))
    assert admits(prefer, Replicas("c", "Deployment", "ns", "w", 1, {}))
    assert not admits(node("c", "n", "z", ready=False), Replicas("c", "Deployment", "ns", "w", 1, {}))


def test_region_failure_and_policy_fraction():
    policy = ResiliencePolicy(tier1=(AppMatcher(selector="tier=1"),), survive_fraction=0.5)
    r = what_if(fleet(policy), Domain("region", "hangzhou"))
    web = impact(r, "shop/web")
    assert web.tier1 and web.needed == 3 and web.remaining == {"sh-a": 2} and not web.survives
    assert [a.key for a in r.tier1_failures] == ["shop/web"]
    assert not impact(r, "data/db").tier1


def test_services_left_without_endpoints():
    r = what_if(fleet(), Domain("zone", "h"))
    by = {(s.namespace, s.service): s for s in r.services}
    assert by[("data", "db")].after == 0 and by[("data", "db")].verdict == "no endpoints"
    assert (by[("shop", "web")].before, by[("shop", "web")].after) == (4, 1)
    assert by[("shop", "web")].clusters_after == ("hz-multi",)


def test_a_service_no_clusterset_or_traffic_entry_names_shows_only_when_it_loses_every_endpoint():
    from dataclasses import replace

    inv = replace(fleet(), clusterset_services=frozenset())
    r = what_if(inv, Domain("zone", "h"))
    # shop/web keeps one endpoint (hz-multi's zone i): each cluster's own Service, not a fleet impact
    assert [(s.namespace, s.service, s.after) for s in r.services] == [("data", "db", 0)]


def test_traffic_fails_over_to_the_next_priority():
    entry = TrafficEntry("shop.example.com", (
        TrafficPool("hz", "hz-a", "shop", "web", "Service", weight=3, priority=1),
        TrafficPool("hzm", "hz-multi", "shop", "web", "Service", weight=1, priority=1),
        TrafficPool("sh", "sh-a", "shop", "web", "Ingress", priority=2),
    ))
    r = what_if(fleet(traffic=(entry,)), Domain("zone", "h"))
    before, after = r.traffic_before[0], r.traffic_after[0]
    assert before.active == ("hz", "hzm") and [p.share for p in before.pools] == [0.75, 0.25, 0.0]
    assert after.active == ("hzm",)  # hz-multi keeps its zone-i endpoint
    r = what_if(fleet(traffic=(entry,)), Domain("region", "hangzhou"))
    assert r.traffic_after[0].active == ("sh",)


def test_unreachable_clusters_count_as_already_down():
    inv = fleet()
    inv = Inventory(tuple(ClusterSite(c.name, c.region, c.zones, c.name != "sh-a", c.prometheus)
                          for c in inv.clusters), inv.nodes, inv.apps, inv.endpoints)
    web = impact(what_if(inv, Domain("cluster", "hz-a")), "shop/web")
    assert web.remaining == {"hz-multi": 2} and "2 already unreachable" in web.reason


def test_unknown_domain_is_an_error_naming_the_known_ones():
    with pytest.raises(DomainError, match="hz-a, hz-multi, sh-a"):
        what_if(fleet(), Domain("cluster", "nope"))


def test_score_table_and_two_region_three_centre():
    s = score(fleet())
    web = next(a for a in s.apps if a.key == "shop/web")
    assert web.cell("cluster").survives and web.cell("zone").survives and web.cell("region").survives
    assert s.failing == ()  # db: either region alone keeps a replica
    strict = score(fleet(ResiliencePolicy(survive_replicas=2)))
    db = next(a for a in strict.apps if a.key == "data/db")
    assert not db.cell("region").survives
    assert db.cell("region").reason == "losing region hangzhou leaves 1 of 4 (needs 2)"
    assert strict.failing == (db,) and strict.by_kind("region") == (1, 2)
    web = next(a for a in strict.apps if a.key == "shop/web")
    assert web.passes  # any one region still leaves 2


def test_analysis_leaves_its_input_untouched():
    inv = fleet()
    before = copy.deepcopy(inv)
    what_if(inv, Domain("zone", "h"))
    score(inv)
    assert inv == before
