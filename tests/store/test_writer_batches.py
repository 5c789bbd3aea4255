"""Lists queued together are written together; the last list of a (cluster, kind) wins."""


async def _names(store, cluster, kind):
    rows = await store._fetchall(
        "SELECT name FROM objects WHERE cluster=? AND kind=? ORDER BY name", (cluster, kind))
    return [r[0] for r in rows]


async def test_a_run_of_lists_is_one_transaction_with_every_roll_up(store):
    w = store.writer
    for c in ("a", "b", "c"):
        w.put_cluster(c)
    await w.flush()
    before = w.transactions
    for c in ("a", "b", "c"):
        w.replace(c, "Node", [{"name": f"{c}-n{i}", "ready": 1, "cpu_m": 1000} for i in range(3)],
                  resource_version="7")
        w.replace(c, "Pod", [{"namespace": "ns", "name": f"p{i}", "phase": "Running", "node": f"{c}-n0", "cpu_m": 100}
                             for i in range(4)], resource_version="8")
    await w.flush()
    assert w.transactions == before + 1
    for c in ("a", "b", "c"):
        row = await store.cluster(c)
        assert (row.nodes_total, row.nodes_ready, row.cpu_alloc_m) == (3, 3, 3000)
        assert (row.pods_running, row.cpu_req_m) == (4, 400)
    states = {(s["cluster"], s["kind"]): s for s in await store.sync_states()}
    assert states[("b", "Pod")]["resource_version"] == "8" and states[("b", "Pod")]["count"] == 4


async def test_the_later_of_two_lists_in_one_batch_wins(store):
    w = store.writer
    w.put_cluster("a")
    w.replace("a", "Pod", [{"namespace": "ns", "name": "old-1"}, {"namespace": "ns", "name": "old-2"}],
              resource_version="1")
    w.replace("b", "Pod", [{"namespace": "ns", "name": "other"}], resource_version="1")
    w.replace("a", "Pod", [{"namespace": "ns", "name": "new"}], resource_version="2")
    await w.flush()
    assert await _names(store, "a", "Pod") == ["new"]
    assert await _names(store, "b", "Pod") == ["other"]
    states = {(s["cluster"], s["kind"]): s for s in await store.sync_states()}
    assert states[("a", "Pod")]["resource_version"] == "2" and states[("a", "Pod")]["count"] == 1


def test_row_data_is_compact_json_whatever_the_encoder():
    import json

    from fleettui.store.rows import object_row

    row = object_row("c", "Pod", {"name": "p", "image": "r/é:1", "big": 2**70, "skip": None}, 1.0)
    assert json.loads(row[15]) == {"image": "r/é:1", "big": 2**70}
    assert " " not in row[15]


async def test_workloads_are_re_judged_only_where_pods_or_workloads_changed(store, monkeypatch):
    """A full sync of 1,000 clusters re-judged every cluster's workloads in every batch
    that carried any of its lists (two queries each): lists of Namespaces or Services
    cannot change a workload's health, so only Pod and workload writes ask for it."""
    from fleettui.store import writer as writer_module

    judged: list[str] = []
    real = writer_module.rejudge_workloads

    async def spy(conn, cluster):
        judged.append(cluster)
        await real(conn, cluster)

    monkeypatch.setattr(writer_module, "rejudge_workloads", spy)
    w = store.writer
    for c in ("a", "b"):
        w.put_cluster(c)
    w.replace("a", "Namespace", [{"name": "shop"}])
    w.replace("b", "Service", [{"namespace": "shop", "name": "web"}])
    await w.flush()
    assert judged == []
    assert (await store.cluster("a")).name == "a"  # the roll-ups still ran
    w.replace("a", "Pod", [{"namespace": "shop", "name": "p", "phase": "Running"}])
    w.upsert("b", "Deployment", {"namespace": "shop", "name": "web", "rollout": "healthy", "health": "healthy"})
    w.replace("b", "Event", [])
    await w.flush()
    assert sorted(judged) == ["a", "b"]


async def test_a_fleet_of_probes_and_registrations_is_a_few_statements_not_one_per_cluster(store, monkeypatch):
    """Each statement is a round trip to aiosqlite's thread: a 1,000-cluster sync queued
    a thousand registrations and two thousand probes, one trip each."""
    w = store.writer
    conn = w._conn
    calls: list[str] = []
    for verb in ("execute", "executemany"):
        real = getattr(conn, verb)

        def spy(sql, *args, _real=real, **kw):
            calls.append(sql)
            return _real(sql, *args, **kw)

        monkeypatch.setattr(conn, verb, spy)
    for i in range(50):
        w.put_cluster(f"c{i}", context=f"c{i}", region="r1")
    for i in range(50):
        w.probe(f"c{i}", reachable=True, version="v1.31.2", latency_ms=3.0)
    await w.flush()
    assert len(calls) < 15
    rows = {c.name: c for c in await store.clusters()}
    assert len(rows) == 50 and rows["c7"].reachable and rows["c7"].version == "v1.31.2"


async def test_probes_in_one_batch_apply_in_order_and_a_failure_keeps_what_was_known(store):
    w = store.writer
    w.put_cluster("a", context="a")
    w.probe("a", reachable=True, version="v1.30.1", latency_ms=5.0)
    await w.flush()
    seen = (await store.cluster("a")).last_seen
    w.probe("a", reachable=True, version=None, latency_ms=7.0)  # a probe that read no version
    w.probe("a", reachable=False, error="")  # no words: still says why
    await w.flush()
    row = await store.cluster("a")
    assert (row.reachable, row.version, row.latency_ms) == (False, "v1.30.1", None)
    assert row.last_error == "unreachable" and row.last_seen is not None and row.last_seen >= seen
    w.probe("a", reachable=False, error="connection refused")
    w.probe("a", reachable=True, version="v1.31.0", latency_ms=2.0, error="Pod: 403 Forbidden")
    await w.flush()
    row = await store.cluster("a")
    assert (row.reachable, row.version, row.latency_ms, row.last_error) == (True, "v1.31.0", 2.0,
                                                                            "Pod: 403 Forbidden")
