"""A cache must never mix two incarnations of a cluster.

resourceVersions are only meaningful to the etcd that issued them. When the cluster
behind a context is recreated (or a restored backup, or a reused context name), a
warm restart must relist instead of resuming watches from the old versions; and a
version the server never reached is refused as a real apiserver refuses it
(504 ResourceVersionTooLarge), which the kube layer reads as "relist".
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.kube import errors
from fleettui.sim import Simulator
from fleettui.store import Store
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member


async def _pods(store: Store, cluster: str) -> set[str]:
    return {f"{p.namespace}/{p.name}" for p in await store.pods(cluster)}


def _live_pods(sim: Simulator, cluster: str) -> set[str]:
    return {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in sim.cluster(cluster).list("pods")}


async def test_a_recreated_cluster_is_relisted_not_resumed(tmp_path):
    kubeconfig_path = tmp_path / "kubeconfig"
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    try:
        old = Simulator(clusters=1, seed="demo", rng_seed=1)
        old.clock.freeze()
        await old.start()
        await old.advance(30)
        old.write_kubeconfig(kubeconfig_path)
        name = old.cluster_names[0]
        members = [Member(name, name, old.url(name))]
        fleet = FleetSync(store, members, kubeconfig=load_kubeconfig(str(kubeconfig_path)), timeout=2.0)
        assert (await fleet.sync_once()).ok
        old_pods = await _pods(store, name)
        old_rv = old.cluster(name).resource_version
        assert old_pods == _live_pods(old, name)
        await old.stop()

        # the same cluster name and context, another cluster: other pod names, other uids
        new = Simulator(clusters=1, seed="demo", rng_seed=2)
        new.clock.freeze()
        await new.start()
        try:
            await new.advance(30)
            # the new cluster is a little *ahead* of the cached versions, so a watch from
            # them is accepted (inside its history window): only the identity check can
            # tell that the cache holds another cluster's objects
            cluster = new.cluster(name)
            i = 0
            while int(cluster.resource_version) < int(old_rv) + 20:
                cluster.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                              "metadata": {"name": f"filler-{i}", "namespace": "default"}})
                i += 1
            new.write_kubeconfig(kubeconfig_path)
            live = _live_pods(new, name)
            assert live != old_pods
            members = [Member(name, name, new.url(name))]
            fleet = FleetSync(store, members, kubeconfig=load_kubeconfig(str(kubeconfig_path)),
                              timeout=2.0, probe_interval=0.2)
            task = asyncio.create_task(fleet.run(resume=True))
            try:
                deadline = asyncio.get_running_loop().time() + 10
                while await _pods(store, name) != live:
                    assert asyncio.get_running_loop().time() < deadline, (
                        f"cache kept the old cluster's pods: {sorted(await _pods(store, name) - live)[:5]}"
                    )
                    await asyncio.sleep(0.05)
                pod_informer = next(i for i in fleet.clusters[name].informers if i.spec.kind == "Pod")
                assert pod_informer.lists >= 1
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        finally:
            await new.stop()
    finally:
        await store.close()


async def test_a_version_the_server_never_reached_is_too_large(sim, kubeconfig_path):
    from fleettui.kube import ClusterClient

    name = sim.cluster_names[0]
    ahead = int(sim.cluster(name).resource_version) + 1000
    async with aiohttp.ClientSession() as http:
        url = f"{sim.url(name)}/api/v1/pods?watch=true&resourceVersion={ahead}&timeoutSeconds=1"
        async with http.get(url) as resp:
            assert resp.status == 504
            status = await resp.json()
    assert status["reason"] == "Timeout"
    assert status["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
    assert f"Too large resource version: {ahead}" in status["message"]

    client = ClusterClient.from_kubeconfig(load_kubeconfig(str(kubeconfig_path)), context=name)
    try:
        res = await client.resource("v1", "Pod")
        with pytest.raises(errors.Gone) as caught:
            async with client.watch(res, resource_version=str(ahead), timeout_seconds=1) as w:
                async for _ in w:
                    pass
        assert isinstance(caught.value, errors.ResourceVersionTooLarge)
    finally:
        await client.close()


async def test_permissions_revoked_while_running_show_on_the_cluster(sim, kubeconfig_path, tmp_path):
    """A 403 when a watch reconnects is not a routine broken stream: the cluster shows
    the refusal at once instead of retrying quietly (the UI reads last_error/health)."""
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    name = sim.cluster_names[0]
    members = [Member(n, n, sim.url(n)) for n in sim.cluster_names]
    fleet = FleetSync(store, members, kubeconfig=load_kubeconfig(str(kubeconfig_path)),
                      timeout=2.0, probe_interval=0.2)
    task = asyncio.create_task(fleet.run())
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (row := await store.cluster(name)) is None or row.health in ("unknown",) or row.nodes_total == 0:
            assert loop.time() < deadline
            await asyncio.sleep(0.05)
        sim.faults.set(name, forbidden=True, drop_watches=True)
        deadline = loop.time() + 5
        while not ((row := await store.cluster(name)).last_error and "orbidden" in row.last_error):
            assert loop.time() < deadline, f"the 403 never showed: {row.health} {row.last_error!r}"
            await asyncio.sleep(0.05)
        assert row.health != "healthy"
        assert row.reachable  # it answers; it refuses
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await store.close()
