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
