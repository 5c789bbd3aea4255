"""build_topology is a pure function of rows: fixture tests."""

from __future__ import annotations

from fleettui.store.models import ClusterRow, NamespaceRow, NodeRow, WorkloadRow
from fleettui.store.topology import NO_REGION, NO_ZONE, build_topology


def cluster(name, region=None, zone=None, health="healthy", reachable=True, error=None):
    return ClusterRow(name=name, context=name, provider=None, region=region, zone=zone, version="v1.31.0",
                      nodes_ready=1, nodes_total=1, cpu_alloc_m=0, cpu_req_m=0, mem_alloc_b=0, mem_req_b=0,
                      pods_running=0, pods_pending=0, pods_failed=0, health=health, reachable=reachable,
                      latency_ms=None, last_seen=None, last_error=error, observed_at=None)


def workload(c, ns, name, health):
    return WorkloadRow(cluster=c, kind="Deployment", namespace=ns, name=name, ready=1, desired=1,
                       health=health, message="", observed_at=0.0)


def node(c, name, ready=True):
    return NodeRow(cluster=c, name=name, ready=ready, health="healthy" if ready else "unhealthy",
                   message="" if ready else "KubeletNotReady", version=None, roles=(), zone=None,
                   cpu_alloc_m=0, mem_alloc_b=0, cpu_req_m=0, mem_req_b=0, pods=0, unschedulable=False,
                   observed_at=0.0)


def test_an_unreachable_cluster_without_rows_still_colours_every_level_above_it():
    t = build_topology([cluster("a", "r1", "z1"),
                        cluster("down", "r1", "z2", health="unhealthy", reachable=False, error="refused")],
                       [], [], [])
    assert t.health == "unhealthy"
    z2 = t.find("region:r1/zone:z2")
    assert z2.health == "unhealthy" and t.find("region:r1/zone:z1").health == "healthy"
    down = t.find("cluster:down")
    assert down.detail == "unreachable: refused" and down.children == ()


def test_clusters_without_topology_are_grouped_not_lost():
    t = build_topology([cluster("x")], [], [], [])
    assert [n.name for n in t.walk() if n.kind in ("region", "zone")] == [NO_REGION, NO_ZONE]


def test_namespaces_seen_only_through_workloads_still_appear_and_counts_roll_up():
    wls = [workload("a", "shop", "web", "healthy"), workload("a", "shop", "pay", "degraded"),
           workload("a", "ghost", "x", "progressing")]
    t = build_topology([cluster("a", "r", "z")],
                       [NamespaceRow("a", "shop", "Active", "degraded", 2, 1, 0, 0.0)], wls,
                       [node("a", "n1"), node("a", "n2", ready=False)])
    assert [c.name for c in t.find("cluster:a").children] == ["ghost", "shop", "nodes"]
    assert t.counts == {"healthy": 2, "degraded": 1, "progressing": 1, "unhealthy": 1}
    # one NotReady node of two: the nodes (like the cluster row) are degraded, the node unhealthy
    assert t.find("cluster:a/nodes").health == "degraded"
    assert t.find("cluster:a/nodes/n2").health == "unhealthy"
    assert t.find("cluster:a/nodes/n2").detail == "NotReady KubeletNotReady"
    keys = [n.key for n in t.walk()]
    assert len(keys) == len(set(keys))  # stable, unique keys for diffing


def test_one_not_ready_node_of_five_is_degraded_as_on_the_clusters_pane():
    """One health rule: the cluster's own (store) verdict, not the worst leaf below it."""
    nodes = [node("a", f"n{i}", ready=i != 2) for i in range(5)]
    t = build_topology([cluster("a", "r", "z", health="degraded")], [], [], nodes)
    assert t.find("cluster:a").health == "degraded"
    assert t.find("cluster:a/nodes").health == "degraded"
    assert t.find("region:r").health == "degraded" and t.health == "degraded"
    assert t.counts == {"healthy": 4, "unhealthy": 1}  # the leaves still say which is down
    down = build_topology([cluster("b", "r", "z", health="unhealthy")], [], [],
                          [node("b", "n0", ready=False)])
    assert down.find("cluster:b/nodes").health == "unhealthy"


def test_a_cluster_spanning_zones_sits_under_its_region_with_its_zones_listed():
    t = build_topology([cluster("wide", "r", "r-a,r-b,r-c"), cluster("one", "r", "r-a")], [], [], [])
    region = t.find("region:r")
    assert [(c.kind, c.name) for c in region.children] == [("zone", "r-a"), ("cluster", "wide")]
    assert not any(n.kind == "zone" and "," in n.name for n in t.walk())  # no made-up "a,b,c" zone
    assert t.find("cluster:wide").detail.startswith("zones r-a, r-b, r-c")
    assert region.detail == "2 clusters"


def _truncated(node, depth_kind="cluster"):
    """(key, health, counts, detail) of every node down to the clusters."""
    out = [(node.key, node.health, dict(node.counts), node.detail)]
    if node.kind != depth_kind:
        for c in node.children:
            out += _truncated(c, depth_kind)
    return out


async def test_the_outline_agrees_with_the_full_tree_down_to_the_clusters(tmp_path):
    """A large fleet's tree is read as an outline (counts by SQL, no subtrees): every
    region, zone and cluster says what the whole tree would say, and an opened cluster's
    subtree is the whole tree's."""
    from tui.fleet_fixture import fixture_store

    store = await fixture_store(tmp_path / "cache.db", clusters=60)
    try:
        full = await store.topology()
        outline = await store.topology_outline()
        assert _truncated(outline) == _truncated(full)
        clusters = [n for n in outline.walk() if n.kind == "cluster"]
        assert len(clusters) >= 60 and all(c.children == () for c in clusters)
        with_rows = [c for c in full.walk() if c.kind == "cluster" and c.children]
        assert with_rows and all(outline.find(c.key).partial for c in with_rows)
        name = with_rows[3].name
        opened = await store.topology_outline([name, "not-a-cluster"])
        assert opened.find(f"cluster:{name}") == full.find(f"cluster:{name}")
        assert _truncated(opened) == _truncated(full)
        assert sum(1 for n in opened.walk() if n.kind == "cluster" and n.children) == 1
    finally:
        await store.close()


def test_an_outline_reuses_the_nodes_of_clusters_whose_row_and_counts_are_unchanged():
    from fleettui.store.models import ClusterRow
    from fleettui.store.topology import build_outline

    def row(name, **kw):
        fields = {f: None for f in ClusterRow.__dataclass_fields__}
        fields.update(name=name, context=name, region="r", zone="z", health="healthy", labels={}, hub={})
        fields.update(kw)
        return ClusterRow(**fields)

    a, b = row("a"), row("b")
    memo: dict = {}
    first = build_outline([a, b], {"a": {"healthy": 3}, "b": {"healthy": 1}}, expandable={"a", "b"}, memo=memo)
    nodes = {n.name: n for n in first.walk() if n.kind == "cluster"}
    b2 = row("b", health="degraded")  # a changed row: a new object
    second = build_outline([a, b2], {"a": {"healthy": 3}, "b": {"healthy": 1}}, expandable={"a", "b"}, memo=memo)
    again = {n.name: n for n in second.walk() if n.kind == "cluster"}
    assert again["a"] is nodes["a"]
    assert again["b"] is not nodes["b"] and again["b"].health == "degraded"
    third = build_outline([a, b2], {"a": {"healthy": 2, "unhealthy": 1}, "b": {"healthy": 1}},
                          expandable={"a", "b"}, memo=memo)
    a3 = next(n for n in third.walk() if n.name == "a")
    assert a3 is not nodes["a"] and a3.counts == {"healthy": 2, "unhealthy": 1}
    # and the tree is the one built without a memo
    assert third == build_outline([a, b2], {"a": {"healthy": 2, "unhealthy": 1}, "b": {"healthy": 1}},
                                  expandable={"a", "b"})
