"""The query API the panes read: numbers roll up from object rows, stale rows keep their age."""

from __future__ import annotations

from fleettui.store.models import FleetSummary

GiB = 1 << 30


def _seed(store, name="a", *, zone="cn-hangzhou-h", provider=None, ready_nodes=2, bad_deploy=False):
    w = store.writer
    w.put_cluster(name, context=name, provider=provider, labels={"env": "prod"})
    w.probe(name, reachable=True, version="v1.31.2", latency_ms=12.5)
    w.replace(name, "Node", [
        {"name": f"n{i}", "ready": int(i < ready_nodes), "health": "healthy" if i < ready_nodes else "unhealthy",
         "cpu_m": 4000, "mem_b": 16 * GiB, "region": "cn-hangzhou", "zone": zone, "provider": "ack",
         "version": "v1.31.2", "roles": ["worker"]}
        for i in range(3)
    ])
    w.replace(name, "Namespace", [{"name": "default"}, {"name": "shop"}])
    w.replace(name, "Deployment", [
        {"namespace": "shop", "name": "web", "ready": 3, "desired": 3, "health": "healthy"},
        {"namespace": "shop", "name": "pay", "ready": 0, "desired": 2,
         "health": "unhealthy" if bad_deploy else "healthy", "message": "0/2 ready"},
    ])
    w.replace(name, "Pod", [
        {"namespace": "shop", "name": "web-1", "phase": "Running", "node": "n0", "cpu_m": 500, "mem_b": GiB,
         "ready": 1, "desired": 1, "restarts": 2, "health": "healthy"},
        {"namespace": "shop", "name": "pay-1", "phase": "Pending", "node": None, "cpu_m": 250, "mem_b": GiB,
         "reason": "ImagePullBackOff", "health": "unhealthy"},
        {"namespace": "shop", "name": "old", "phase": "Failed", "node": "n1", "cpu_m": 9999, "mem_b": GiB},
    ])
    w.replace(name, "Event", [
        {"namespace": "shop", "name": "e1", "reason": "BackOff", "message": "old", "ts": 100.0},
        {"namespace": "shop", "name": "e2", "reason": "Failed", "message": "new", "ts": 200.0,
         "involved_kind": "Pod", "involved_name": "pay-1", "count": 4},
    ])


async def test_cluster_row_rolls_up_nodes_capacity_requests_and_pods(store, clock):
    _seed(store, ready_nodes=2)
    await store.writer.flush()
    [c] = await store.clusters()
    assert (c.nodes_ready, c.nodes_total) == (2, 3)
    assert (c.cpu_alloc_m, c.mem_alloc_b) == (12000, 48 * GiB)
    # requests of pods that hold resources on a node (bound, Pending/Running): not of Failed
    # ones, nor of the unscheduled pay-1 (counted as pending instead), so they add up as
    # the nodes' requests do
    assert (c.cpu_req_m, c.mem_req_b) == (500, GiB)
    assert (c.pods_running, c.pods_pending, c.pods_failed) == (1, 1, 1)
    assert c.cpu_req_pct == 100 * 500 / 12000
    nodes = await store.nodes("a")
    assert sum(n.cpu_req_m for n in nodes) == c.cpu_req_m
    assert sum(n.mem_req_b for n in nodes) == c.mem_req_b
    # topology labels found on the nodes fill what the registration does not say
    assert (c.provider, c.region, c.zone) == ("ack", "cn-hangzhou", "cn-hangzhou-h")
    assert c.labels == {"env": "prod"}
    assert c.version == "v1.31.2" and c.reachable is True and c.latency_ms == 12.5
    assert c.last_seen == clock.now and c.age(clock.now + 30) == 30
    assert c.health == "degraded"  # a node is not ready
    assert c.warning_events == 2


async def test_an_unchanged_cluster_row_is_read_back_as_the_same_object(store, clock):
    # the dashboard reads every cluster on each refresh; a row nothing changed is not
    # built again (and is cheap for the panes to compare), a changed one is new
    _seed(store, "a")
    _seed(store, "b")
    await store.writer.flush()
    a1, b1 = await store.clusters()
    store.writer.put_cluster("b", context="b", labels={"env": "dev"})
    store.writer.put_cluster("c", context="c")
    await store.writer.flush()
    a2, b2, c2 = await store.clusters()
    assert a2 is a1
    assert b2 is not b1 and b2.labels == {"env": "dev"} and b1.labels == {"env": "prod"}
    assert c2.name == "c"
    store.writer.probe("a", reachable=False, error="connection refused")
    await store.writer.flush()
    a3 = (await store.clusters())[0]
    assert a3 is not a2 and a3.reachable is False and a2.reachable is True


async def test_registration_wins_over_labels_found_on_nodes(store):
    _seed(store, provider="idc")
    await store.writer.flush()
    assert (await store.cluster("a")).provider == "idc"


async def test_health_words_follow_probe_nodes_and_workloads(store):
    _seed(store, "ok", ready_nodes=3)
    _seed(store, "bad-wl", ready_nodes=3, bad_deploy=True)
    _seed(store, "no-nodes", ready_nodes=0)
    store.writer.put_cluster("never")
    await store.writer.flush()
    health = {c.name: c.health for c in await store.clusters()}
    assert health == {"ok": "healthy", "bad-wl": "degraded", "no-nodes": "unhealthy", "never": "unknown"}


async def test_an_unreachable_cluster_keeps_its_rows_and_last_seen(store, clock):
    _seed(store, ready_nodes=3)
    await store.writer.flush()
    seen = clock.now
    clock.now += 120
    store.writer.probe("a", reachable=False, error="unreachable: connection refused")
    await store.writer.flush()
    c = await store.cluster("a")
    assert c.reachable is False and c.stale
    assert c.health == "unhealthy"
    assert c.last_error == "unreachable: connection refused"
    assert c.last_seen == seen and c.age(clock.now) == 120
    assert c.version == "v1.31.2" and c.nodes_total == 3  # stale, not blank
    assert c.latency_ms is None
    # it answers again: error cleared, seen now
    store.writer.probe("a", reachable=True, version="v1.31.2", latency_ms=3)
    await store.writer.flush()
    c = await store.cluster("a")
    assert c.reachable and c.last_error is None and c.last_seen == clock.now and c.health == "healthy"


async def test_a_reachable_cluster_with_failing_kinds_is_degraded_and_says_why(store):
    _seed(store, ready_nodes=3)
    store.writer.probe("a", reachable=True, version="v1", error="Pod: 500 InternalError: boom")
    await store.writer.flush()
    c = await store.cluster("a")
    assert c.health == "degraded" and c.last_error == "Pod: 500 InternalError: boom"


async def test_fleet_summary(store, clock):
    _seed(store, "a", ready_nodes=3)
    _seed(store, "b", ready_nodes=2, bad_deploy=True)
    store.writer.set_meta("last_sync", repr(clock.now))
    await store.writer.flush()
    s = await store.fleet_summary()
    assert s == FleetSummary(clusters_total=2, clusters_healthy=1, nodes_ready=5, nodes_total=6,
                             workloads_total=4, workloads_unhealthy=1, last_sync=clock.now,
                             clusters_unreachable=0, pods_running=2, pods_pending=2, pods_failed=2,
                             warning_events=4)


async def test_cluster_detail(store):
    _seed(store, ready_nodes=2, bad_deploy=True)
    await store.writer.flush()
    d = await store.cluster_detail("a")
    assert [n.name for n in d.nodes] == ["n0", "n1", "n2"]
    n0 = d.nodes[0]
    assert n0.ready and n0.cpu_req_m == 500 and n0.pods == 1 and n0.roles == ("worker",)
    assert not d.nodes[2].ready
    assert [(ns.name, ns.health, ns.workloads_total, ns.workloads_unhealthy) for ns in d.namespaces] == [
        ("default", "healthy", 0, 0), ("shop", "unhealthy", 2, 1)]
    assert [w.name for w in d.unhealthy_workloads] == ["pay"]
    assert [e.name for e in d.warning_events] == ["e2", "e1"]  # newest first
    e2 = d.warning_events[0]
    assert (e2.involved_kind, e2.involved_name, e2.count, e2.reason) == ("Pod", "pay-1", 4, "Failed")
    assert await store.cluster_detail("nope") is None


async def test_pods_services_events_filters(store):
    _seed(store, "a")
    _seed(store, "b")
    store.writer.replace("a", "Service", [{"namespace": "shop", "name": "web", "type": "NodePort",
                                           "cluster_ip": "10.0.0.1", "ports": ["80:30080/TCP"]}])
    await store.writer.flush()
    pods = await store.pods("a", namespace="shop")
    assert [p.name for p in pods] == ["old", "pay-1", "web-1"]
    web = pods[2]
    assert (web.phase, web.restarts, web.node) == ("Running", 2, "n0")
    assert pods[1].reason == "ImagePullBackOff"
    [svc] = await store.services()
    assert svc.ports == ("80:30080/TCP",) and svc.type == "NodePort"
    assert len(await store.events(limit=3)) == 3
    assert {e.cluster for e in await store.events("b")} == {"b"}


async def test_watch_events_update_and_delete_rows_and_rollups(store):
    _seed(store, ready_nodes=3)
    await store.writer.flush()
    store.writer.upsert("a", "Pod", {"namespace": "shop", "name": "web-2", "phase": "Running", "node": "n0",
                                     "cpu_m": 100})
    store.writer.delete("a", "Pod", "shop", "web-1")
    store.writer.delete("a", "Node", None, "n2")
    await store.writer.flush()
    c = await store.cluster("a")
    # web-2's 100m; the unscheduled pay-1 requests nothing of a node yet
    assert c.pods_running == 1 and c.cpu_req_m == 100 and c.nodes_total == 2


async def test_remove_cluster_forgets_its_rows(store):
    _seed(store, "a")
    _seed(store, "b")
    await store.writer.flush()
    store.writer.remove_cluster("a")
    await store.writer.flush()
    assert [c.name for c in await store.clusters()] == ["b"]
    assert await store.object_counts("a") == {}


async def test_topology_shows_a_problem_at_every_level_above_it(store):
    _seed(store, "a", zone="h", ready_nodes=3)
    _seed(store, "b", zone="i", ready_nodes=3, bad_deploy=True)
    await store.writer.flush()
    t = await store.topology()
    # the cluster level is the cluster rule (as on the clusters pane): an unhealthy workload
    # makes its cluster degraded; that problem then shows at every level above it
    assert t.health == "degraded"
    assert [r.name for r in t.children] == ["cn-hangzhou"]
    region = t.children[0]
    assert region.health == "degraded"
    zones = {z.name: z for z in region.children}
    assert zones["h"].health == "healthy" and zones["i"].health == "degraded"
    b = zones["i"].children[0]
    assert b.kind == "cluster" and b.health == "degraded" == (await store.cluster("b")).health
    shop = t.find("cluster:b/ns:shop")
    assert shop.health == "unhealthy" and shop.counts == {"healthy": 1, "unhealthy": 1}
    assert t.find("cluster:b/ns:shop/Deployment:pay").health == "unhealthy"
    assert t.find("cluster:a/nodes").counts == {"healthy": 3}
    assert t.counts == {"healthy": 9, "unhealthy": 1}  # leaves: 4 workloads + 6 nodes


async def test_a_cluster_over_several_zones_lists_them(store):
    store.writer.put_cluster("a")
    store.writer.replace("a", "Node", [{"name": f"n{i}", "zone": z} for i, z in enumerate("jhhi")])
    await store.writer.flush()
    assert (await store.cluster("a")).zone == "h,i,j"


async def test_writes_are_batched_into_few_transactions(store):
    store.writer.batch_rows = 1000
    before = store.writer.transactions
    for i in range(5000):
        store.writer.upsert("a", "Pod", {"namespace": "n", "name": f"p{i}", "phase": "Running"})
    await store.writer.flush()
    assert store.writer.transactions - before <= 6
    assert (await store.cluster("a")) is None  # objects of an unregistered cluster are kept...
    assert (await store.object_counts("a")) == {"Pod": 5000}  # ...and counted


async def test_a_ready_node_under_pressure_makes_the_cluster_degraded(store):
    _seed(store, ready_nodes=3)
    await store.writer.flush()
    [c] = await store.clusters()
    assert c.health == "healthy"
    store.writer.replace("a", "Node", [
        {"name": f"n{i}", "ready": 1, "health": "degraded" if i == 0 else "healthy",
         "message": "DiskPressure" if i == 0 else "", "cpu_m": 4000, "mem_b": 16 * GiB}
        for i in range(3)
    ])
    await store.writer.flush()
    [c] = await store.clusters()
    assert (c.nodes_ready, c.nodes_total) == (3, 3)
    assert c.health == "degraded"  # as the topology shows it


async def test_a_workload_whose_pods_cannot_pull_is_degraded_at_once(store):
    """The Deployment's status says progressing; its pod's ImagePullBackOff makes the row, the
    cluster and the header count it as a problem now (not at the progress deadline)."""
    w = store.writer
    w.put_cluster("a", context="a")
    w.probe("a", reachable=True, version="v1.31.2")
    w.replace("a", "Node", [{"name": "n0", "ready": 1, "health": "healthy", "cpu_m": 4000}])
    w.replace("a", "Deployment", [
        {"namespace": "shop", "name": "pay", "ready": 0, "desired": 1, "health": "progressing",
         "message": "0/1 ready — 1 updated, 0 available", "rollout": "progressing",
         "rollout_message": "0/1 ready — 1 updated, 0 available"}])
    stuck = {"namespace": "shop", "name": "pay-h-x", "phase": "Pending", "node": "n0",
             "health": "unhealthy", "workload": "Deployment/pay", "problem": "ImagePullBackOff"}
    w.replace("a", "Pod", [stuck])
    await w.flush()
    [wl] = await store.workloads("a")
    assert (wl.health, wl.message) == ("degraded", "0/1 ready — ImagePullBackOff (progressing)")
    [c] = await store.clusters()
    assert c.health == "degraded" and c.workloads_unhealthy == 1
    # the pod recovers (a watch event): the row is the Deployment's own verdict again
    w.upsert("a", "Pod", {**stuck, "phase": "Running", "health": "healthy", "problem": None})
    await w.flush()
    [wl] = await store.workloads("a")
    assert (wl.health, wl.message) == ("progressing", "0/1 ready — 1 updated, 0 available")
    assert (await store.clusters())[0].health == "healthy"


async def test_cluster_identities_are_the_kube_system_namespace_uids(store):
    w = store.writer
    for name in ("a", "b", "c"):
        w.put_cluster(name)
    w.replace("a", "Namespace", [{"name": "kube-system", "uid": "uid-a"}, {"name": "shop", "uid": "uid-shop"}])
    w.replace("b", "Namespace", [{"name": "default", "uid": "uid-default"}])  # no kube-system cached yet
    w.replace("c", "Namespace", [{"name": "kube-system", "uid": "uid-c"}])
    await w.flush()
    assert await store.cluster_identities() == {"a": "uid-a", "c": "uid-c"}


def test_workload_kinds_become_sql_one_way():
    from fleettui.store.rows import WORKLOAD_KINDS, WORKLOAD_KINDS_SQL, sql_in

    assert WORKLOAD_KINDS_SQL == "('Deployment', 'StatefulSet', 'DaemonSet')"
    assert WORKLOAD_KINDS == ("Deployment", "StatefulSet", "DaemonSet")
    assert sql_in(("Pod",)) == "('Pod')"  # repr() would say ('Pod',): not SQL
    assert sql_in(("it's",)) == "('it''s')"


async def test_any_kind_reads_as_object_rows_without_sql_outside_the_store(store):
    w = store.writer
    w.put_cluster("a")
    w.put_cluster("b")
    w.replace("a", "ServiceExport", [{"namespace": "shop", "name": "web", "health": "healthy",
                                      "phase": "Exported", "conflict": False}])
    w.replace("b", "ServiceExport", [{"namespace": "pay", "name": "api", "health": "degraded",
                                      "message": "ConflictingType"}])
    await w.flush()
    rows = await store.objects("ServiceExport")
    assert [(r.cluster, r.namespace, r.name, r.health) for r in rows] == [
        ("a", "shop", "web", "healthy"), ("b", "pay", "api", "degraded")]
    assert rows[0].data == {"conflict": False} and rows[0].phase == "Exported"
    assert rows[1].key == "b/ServiceExport/pay/api" and rows[1].message == "ConflictingType"
    assert [r.name for r in await store.objects("ServiceExport", "b", namespace="pay")] == ["api"]
    assert await store.objects("ServiceExport", "a", namespace="pay") == []


async def test_unchanged_usage_rows_and_sources_are_read_back_as_the_same_objects(store):
    from fleettui.store.metrics import MetricsStore, Series, UsageRow

    def usage(cluster, cpu):
        return UsageRow(cluster, "cluster", cluster, cpu, 1.0, 2.0, 3.0, 4.0, 5.0, 100.0,
                        Series(0.0, 30.0, {"cpu": [cpu, cpu]}))

    ms = MetricsStore(store)
    await ms.put("a", [usage("a", 1.0)], prometheus="http://a", attempted_at=100.0)
    await ms.put("b", [usage("b", 2.0)], prometheus="http://b", attempted_at=100.0)
    first = await ms.usage("cluster")
    sources = await ms.sources()
    await ms.put("b", [usage("b", 9.0)], prometheus="http://b", attempted_at=130.0)
    again = await ms.usage("cluster")
    assert again[0] is first[0] and again[0].series.cols == {"cpu": [1.0, 1.0]}
    assert again[1] is not first[1] and again[1].cpu_used_m == 9.0
    later = await ms.sources()
    assert later["a"] is sources["a"] and later["b"] is not sources["b"] and later["b"].attempted_at == 130.0
    # one cluster's rows (a cluster screen) are built afresh, apart from the memo
    assert (await ms.usage("cluster", cluster="a"))[0] == first[0]
