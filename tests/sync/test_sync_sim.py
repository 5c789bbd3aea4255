"""Sync against the simulator, healthy and under each fault; every fault must read
as what it is in the store (reachable, health, last_error), and the rows of a
cluster that stopped answering stay (stale, with their age)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.kube import ClusterClient
from fleettui.kube.backoff import Backoff
from fleettui.store import Store
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member
from fleettui.sync.informer import Informer
from fleettui.sync.kinds import kind_spec

RESOURCES = {
    "Node": "nodes",
    "Namespace": "namespaces",
    "Deployment": "deployments.apps",
    "StatefulSet": "statefulsets.apps",
    "DaemonSet": "daemonsets.apps",
    "Pod": "pods",
    "Service": "services",
}


@pytest.fixture
def kubeconfig(kubeconfig_path):
    return load_kubeconfig(str(kubeconfig_path))


@pytest.fixture
def members(sim):
    return [Member(name, name, sim.url(name)) for name in sim.cluster_names]


@pytest.fixture
async def cache(tmp_path):
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    yield store
    await store.close()


def _fleet(cache, members, kubeconfig, **kw):
    kw.setdefault("timeout", 2.0)
    return FleetSync(cache, members, kubeconfig=kubeconfig, **kw)


async def _eventually(check, *, limit=5.0, every=0.05):
    """Poll an async check until it returns truthy (live sync is asynchronous)."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {limit}s: last {result!r}")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def _running(fleet):
    task = asyncio.create_task(fleet.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_sync_once_mirrors_every_cluster(sim, cache, members, kubeconfig):
    report = await _fleet(cache, members, kubeconfig).sync_once()
    assert report.ok, report.failed
    assert [r.name for r in report.results] == sim.cluster_names
    for name in sim.cluster_names:
        counts = await cache.object_counts(name)
        for kind, resource in RESOURCES.items():
            assert counts.get(kind, 0) == len(sim.cluster(name).list(resource)), (name, kind)
        warnings = [e for e in sim.cluster(name).list("events") if e.get("type") == "Warning"]
        assert counts.get("Event", 0) == len(warnings)
        row = await cache.cluster(name)
        assert row.reachable and row.version and row.version.startswith("v1.")
        assert row.nodes_total == len(sim.cluster(name).list("nodes"))
        assert row.cpu_alloc_m > 0 and row.mem_alloc_b > 0
        # the demo seed labels nodes with topology: fills what no fleet file said
        assert row.region and row.provider
        assert row.health in ("healthy", "degraded", "unhealthy")
    summary = await cache.fleet_summary()
    assert summary.clusters_total == len(sim.cluster_names) and summary.last_sync is not None


async def test_a_cluster_down_is_unreachable_and_keeps_its_rows(sim, cache, members, kubeconfig):
    first = await _fleet(cache, members, kubeconfig).sync_once()
    assert first.ok
    victim = sim.cluster_names[0]
    before = await cache.cluster(victim)
    pods_before = await cache.object_counts(victim)
    sim.faults.set(victim, down="refuse")
    report = await _fleet(cache, members, kubeconfig).sync_once()
    assert [r.name for r in report.failed] == [victim]
    row = await cache.cluster(victim)
    assert row.reachable is False and row.health == "unhealthy"
    assert row.last_error.startswith("unreachable:")
    assert row.last_seen == before.last_seen and row.version == before.version
    assert await cache.object_counts(victim) == pods_before  # stale, not blank
    others = [await cache.cluster(n) for n in sim.cluster_names[1:]]
    assert all(o.reachable for o in others)
    # it comes back: reachable, error cleared
    sim.faults.clear(victim)
    assert (await _fleet(cache, members, kubeconfig).sync_once()).ok
    row = await cache.cluster(victim)
    assert row.reachable and row.last_error is None and row.last_seen > before.last_seen


async def test_a_503_cluster_reads_as_the_server_error_it_is(sim, cache, members, kubeconfig):
    victim = sim.cluster_names[1]
    sim.faults.set(victim, down="503")
    report = await _fleet(cache, members, kubeconfig).sync_once()
    [failed] = report.failed
    assert failed.name == victim and "503" in failed.error
    row = await cache.cluster(victim)
    assert row.reachable is False and "503" in row.last_error and row.health == "unhealthy"


async def test_a_slow_cluster_times_out_without_holding_up_the_others(sim, cache, members, kubeconfig):
    victim = sim.cluster_names[2]
    sim.faults.set(victim, latency=3.0)
    t0 = asyncio.get_running_loop().time()
    report = await _fleet(cache, members, kubeconfig, timeout=0.5).sync_once()
    assert asyncio.get_running_loop().time() - t0 < 2.5
    assert [r.name for r in report.failed] == [victim]
    row = await cache.cluster(victim)
    assert row.reachable is False and "no answer within 0.5s" in row.last_error
    assert all([(await cache.cluster(n)).reachable for n in sim.cluster_names[:2]])


async def test_an_erroring_cluster_shows_the_500s(sim, cache, members, kubeconfig):
    victim = sim.cluster_names[0]
    sim.faults.set(victim, error_rate=1.0)
    report = await _fleet(cache, members, kubeconfig).sync_once()
    [failed] = report.failed
    assert failed.name == victim and "500" in failed.error
    row = await cache.cluster(victim)
    assert "500" in row.last_error and row.health == "unhealthy"


async def test_a_forbidden_token_is_reachable_but_degraded_naming_the_kinds(sim, cache, members, kubeconfig):
    victim = sim.cluster_names[0]
    sim.faults.set(victim, forbidden=True)
    report = await _fleet(cache, members, kubeconfig).sync_once()
    [failed] = report.failed
    row = await cache.cluster(victim)
    if row.reachable:  # /version answered; every list was refused
        assert row.health == "degraded" and "403" in row.last_error and "Pod:" in row.last_error
    else:  # the simulator refuses /version too
        assert "403" in row.last_error
    assert failed.error == row.last_error


async def test_live_sync_follows_changes_through_watches(sim, cache, members, kubeconfig):
    name = sim.cluster_names[0]
    fleet = _fleet(cache, members, kubeconfig, probe_interval=0.2, watch_timeout=30)
    async with _running(fleet):
        await _eventually(lambda: _has(cache, name, "Namespace", "default"))
        sub = cache.subscribe(topics={"objects"})
        sim.cluster(name).create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": {"name": "live-added"}})
        await _eventually(lambda: _has(cache, name, "Namespace", "live-added"))
        assert any(c.cluster == name for c in sub.pending())
        sim.cluster(name).delete("namespaces", "", "live-added")
        await sim.advance(5)  # namespace finalization
        await _eventually(lambda: _gone(cache, name, "Namespace", "live-added"))
        informer = next(i for i in fleet.clusters[name].informers if i.spec.kind == "Namespace")
        assert informer.lists == 1  # followed by watch, not by relisting


async def test_dropped_watches_reconnect_and_catch_up(sim, cache, members, kubeconfig):
    name = sim.cluster_names[1]
    fleet = _fleet(cache, members, kubeconfig, probe_interval=0.2, watch_timeout=30)
    async with _running(fleet):
        await _eventually(lambda: _has(cache, name, "Namespace", "default"))
        informer = next(i for i in fleet.clusters[name].informers if i.spec.kind == "Namespace")
        for i in informer_list(fleet, name):
            i.backoff = Backoff(base=0.01, cap=0.05)
        watches = informer.watches
        sim.faults.set(name, drop_watches=True)
        sim.cluster(name).create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": {"name": "during-drop"}})
        await asyncio.sleep(0.3)
        sim.faults.clear(name)
        await _eventually(lambda: _has(cache, name, "Namespace", "during-drop"))
        assert informer.watches > watches + 1  # reconnected (more than once while dropped)
        row = await cache.cluster(name)
        assert row.reachable


async def test_a_cluster_going_down_while_live_is_marked_and_recovers(sim, cache, members, kubeconfig):
    name = sim.cluster_names[2]
    # a long probe interval: the informers' failures and the down-probe must do the work
    fleet = _fleet(cache, members, kubeconfig, probe_interval=60, watch_timeout=30, timeout=0.5)
    async with _running(fleet):
        await _eventually(lambda: _reachable(cache, name, True))
        sim.faults.set(name, down="refuse")
        # noticed by the informers' broken connections, confirmed by the probe
        row = await _eventually(lambda: _reachable(cache, name, False), limit=8)
        assert row.last_error.startswith("unreachable") and row.health == "unhealthy"
        assert (await cache.object_counts(name)).get("Namespace")  # rows kept
        sim.faults.clear(name)

        async def recovered():
            row = await _reachable(cache, name, True)
            return row if row is not None and row.last_error is None else None

        # back within seconds, and no kind left reporting the outage
        row = await _eventually(recovered, limit=8)
        assert row.health in ("healthy", "degraded")


async def test_gone_relists_from_a_too_old_resource_version(sim, cache, kubeconfig):
    name = sim.cluster_names[0]
    client = ClusterClient.from_kubeconfig(kubeconfig, context=name, read_only=True, timeout=2.0)
    try:
        informer = Informer(client, cache.writer, name, kind_spec("Namespace"),
                            backoff=Backoff(base=0.01, cap=0.05), watch_timeout=30)
        await informer.list_once()
        old = informer.resource_version
        # push the cluster's history window past `old`
        cluster = sim.cluster(name)
        for i in range(1200):
            cluster.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": f"churn-{i}", "namespace": "default"}})
        cluster.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "after-gone"}})
        informer.resource_version = old
        task = asyncio.create_task(informer.run(resume=True))
        try:
            await _eventually(lambda: _has(cache, name, "Namespace", "after-gone"))
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert informer.relists_on_gone >= 1
    finally:
        await client.close()


def informer_list(fleet, name):
    return fleet.clusters[name].informers


async def _has(cache, cluster, kind, name):
    await cache.writer.flush()
    return name in await cache.object_names(kind, cluster, "")  # cluster-scoped: namespace ""


async def _gone(cache, cluster, kind, name):
    return not await _has(cache, cluster, kind, name)


async def _reachable(cache, name, want):
    await cache.writer.flush()
    row = await cache.cluster(name)
    return row if row is not None and row.reachable is want else None


async def test_a_warm_restart_resumes_watches_instead_of_relisting(sim, cache, members, kubeconfig):
    assert (await _fleet(cache, members, kubeconfig).sync_once()).ok
    name = sim.cluster_names[0]
    sim.cluster(name).create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                            "metadata": {"name": "while-away"}})
    fleet = _fleet(cache, members, kubeconfig, probe_interval=0.2, watch_timeout=30)
    async with _running(fleet):
        # the change made while no sync ran arrives through the resumed watch
        await _eventually(lambda: _has(cache, name, "Namespace", "while-away"))
        informers = {i.spec.kind: i for i in fleet.clusters[name].informers}
        assert informers["Namespace"].lists == 0 and informers["Node"].lists == 0


async def test_a_broken_image_is_degraded_before_its_progress_deadline(sim, cache, members, kubeconfig):
    """The seed's `recommendations` (image tag `broken`) sits in ImagePullBackOff; its Deployment
    still says Progressing (deadline 120 s, the clock is frozen well before). k9s shows it red:
    so does every row here, with Kubernetes' own word kept beside the reason."""
    await sim.advance(20)  # scheduled, pulled, failed: ErrImagePull / ImagePullBackOff
    assert (await _fleet(cache, members, kubeconfig).sync_once()).ok
    broken = [w for w in await cache.workloads() if w.name == "recommendations" and "ImagePull" in w.message]
    assert broken, [(w.cluster, w.name, w.health, w.message) for w in await cache.workloads()
                    if w.name == "recommendations"]
    for w in broken:
        assert w.health == "degraded"
        assert w.message.endswith("(progressing)")  # not yet ProgressDeadlineExceeded
        assert (await cache.cluster(w.cluster)).health in ("degraded", "unhealthy")
