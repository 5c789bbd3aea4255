"""Large fleets: above `watch_threshold` only the hot clusters are watched, the rest polled."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.store import Store
from fleettui.store.apps import AppStore
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member


@pytest.fixture
async def cache(tmp_path):
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    yield store
    await store.close()


@contextlib.asynccontextmanager
async def _running(fleet):
    task = asyncio.create_task(fleet.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _eventually(check, limit=10.0):
    deadline = asyncio.get_running_loop().time() + limit
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _watches(sim, name):
    return sim.requests.counts.get(name, {}).get("watch", 0)


def _fleet(cache, sim, kubeconfig_path, **kw):
    members = [Member(n, n, sim.url(n)) for n in sim.cluster_names]
    return FleetSync(cache, members, kubeconfig=load_kubeconfig(str(kubeconfig_path)), timeout=2.0,
                     probe_interval=0.2, watch_timeout=30, **kw)


async def test_a_fleet_above_the_threshold_polls_its_cold_clusters(sim, cache, kubeconfig_path):
    focus, *cold = sim.cluster_names
    cache.writer.set_meta("sync.focus", focus)
    await cache.writer.flush()
    fleet = _fleet(cache, sim, kubeconfig_path, watch_threshold=2, relist_interval=0.5, hot_interval=0.1)
    async with _running(fleet):
        for name in sim.cluster_names:
            await _eventually(lambda n=name: _listed(cache, n))
        # the cold clusters' changes arrive by relisting, with no stream open
        sim.cluster(cold[0]).create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                   "metadata": {"name": "polled-in"}})
        await _eventually(lambda: _has(cache, cold[0], "polled-in"))
        assert all(_watches(sim, n) == 0 for n in cold)
        assert _watches(sim, focus) > 0
        assert fleet.clusters[focus].watching and not any(fleet.clusters[n].watching for n in cold)
        # opening a cluster on screen makes it watched within the hot interval
        cache.writer.set_meta("sync.focus", cold[1])
        await cache.writer.flush()
        await _eventually(lambda: _watched(sim, cold[1]))
        assert not fleet.clusters[focus].watching


async def test_a_fleet_at_the_threshold_is_watched_in_full(sim, cache, kubeconfig_path):
    fleet = _fleet(cache, sim, kubeconfig_path, watch_threshold=3)
    async with _running(fleet):
        for name in sim.cluster_names:
            await _eventually(lambda n=name: _watched(sim, n))
        assert all(cs.watching for cs in fleet.clusters.values())


async def test_hot_clusters_put_focus_first_then_placements_and_cap_them(sim, cache, kubeconfig_path):
    a, b, c = sim.cluster_names
    fleet = _fleet(cache, sim, kubeconfig_path, watch_threshold=1, max_watched=2)
    fleet._add_member(Member(a, a, sim.url(a)), asyncio.Semaphore(4))
    fleet._add_member(Member(b, b, sim.url(b)), asyncio.Semaphore(4))
    fleet._add_member(Member(c, c, sim.url(c)), asyncio.Semaphore(4))
    try:
        assert await fleet.hot_clusters() == set()
        apps = AppStore(cache)
        for cluster in (a, b):
            await apps.save_placement("shop", "web", cluster, revision="web-v1", step="deploy", manifests=[],
                                      overrides=[], state="applied", message=None, now=1.0)
        assert await fleet.hot_clusters() == {a, b}
        cache.writer.set_meta("sync.focus", f"{c},not-a-member")
        await cache.writer.flush()
        # the cluster on screen first; the placements fill the rest of the cap (by name)
        assert await fleet.hot_clusters() == {c, a}
    finally:
        await fleet._close_clients()


async def _listed(cache, name):
    await cache.writer.flush()
    return "default" in await cache.object_names("Namespace", name, "")


async def _has(cache, name, ns):
    await cache.writer.flush()
    return ns in await cache.object_names("Namespace", name, "")


async def _watched(sim, name):
    return _watches(sim, name) > 0
