"""Fleet membership changes while the sync runs: re-discovery starts new members,
forgets removed ones (they leave the clusters pane), and never drops the fleet
because one discovery failed or the hub could not be read."""

from __future__ import annotations

import asyncio
import contextlib

import yaml

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.kube import ClusterClient
from fleettui.store import REDISCOVER_META, Store
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member
from fleettui.sync.fleet import _member_fields
from fleettui.sync.rediscovery import (
    RediscoveryRequests,
    diff_members,
    hub_unread,
    reloading_discovery,
)


async def _eventually(check, *, limit=5.0, every=0.05):
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


def _write_kubeconfig(full: dict, path, keep: list[str]) -> None:
    doc = dict(full)
    doc["contexts"] = [c for c in full["contexts"] if c["name"] in keep]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(yaml.safe_dump(doc))
    tmp.replace(path)


async def _names(store):
    return [c.name for c in await store.clusters()]


# -- the pure difference --

def _m(name, context="ctx", server="https://s", **kw):
    return Member(name, context, server, **kw)


def test_diff_added_removed_reconnected_updated():
    old = {m.name: m for m in [_m("a"), _m("b"), _m("c"), _m("d", labels={"env": "dev"})]}
    new = [_m("a"), _m("c", server="https://moved"), _m("d", labels={"env": "prod"}), _m("e")]
    members, change = diff_members(old, new, fields=_member_fields)
    assert [m.name for m in members] == ["a", "c", "d", "e"]
    assert change.added == ("e",) and change.removed == ("b",)
    assert change.reconnected == ("c",) and change.updated == ("d",)
    assert change


def test_diff_of_the_same_fleet_is_empty():
    old = {m.name: m for m in [_m("a"), _m("b")]}
    members, change = diff_members(old, [_m("a"), _m("b")], fields=_member_fields)
    assert not change and [m.name for m in members] == ["a", "b"]


def test_an_unread_hub_keeps_the_clusters_it_registered():
    hub_only = Member("ocm-1", None, None, source="ocm")
    old = {m.name: m for m in [_m("a"), hub_only]}
    errors = ["hub hub: cannot list ManagedClusters: no answer within 10s"]
    assert hub_unread(errors)
    members, change = diff_members(old, [_m("a")], fields=_member_fields, errors=errors)
    assert [m.name for m in members] == ["a", "ocm-1"] and not change.removed
    # the hub answered and no longer lists it: it left the fleet
    members, change = diff_members(old, [_m("a")], fields=_member_fields)
    assert change.removed == ("ocm-1",)


# -- against the simulator --

async def test_kubeconfig_edits_add_and_remove_clusters_while_running(sim, tmp_path):
    a, b, c = sim.cluster_names
    full = yaml.safe_load(sim.write_kubeconfig(tmp_path / "full").read_text())
    path = tmp_path / "kubeconfig"
    _write_kubeconfig(full, path, [a, b])
    discover = reloading_discovery(str(path), None, None, request_timeout=2.0)
    members, kubeconfig = await discover()
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    try:
        fleet = FleetSync(store, members, kubeconfig=kubeconfig, timeout=2.0,
                          discover=discover, rediscover_interval=3600)
        async with _running(fleet):
            async def synced(name):
                row = await store.cluster(name)
                return row is not None and row.reachable and row.nodes_total > 0

            await _eventually(lambda: synced(b))
            # `fleettui cluster add`-like edit: c appears, b goes
            _write_kubeconfig(full, path, [a, c])
            fleet.request_rediscovery()  # on demand, as the TUI asks (interval is an hour)
            await _eventually(lambda: synced(c))
            await _eventually(lambda: _gone(store, b))
            assert set(fleet.clusters) == {a, c}
            assert fleet.last_change.added == (c,) and fleet.last_change.removed == (b,)
            assert (await store.object_counts(b)) == {}
            # c is kept current by watches like the others
            sim.cluster(c).create("namespaces", {"metadata": {"name": "late"}})
            async def has_ns():
                return any(n.name == "late" for n in await store.namespaces(c))
            await _eventually(has_ns)
            # a broken kubeconfig mid-edit changes nothing
            path.write_text("contexts: [not: {a mapping")
            fleet.request_rediscovery()
            await asyncio.sleep(0.3)
            assert set(fleet.clusters) == {a, c} and sorted(await _names(store)) == sorted([a, c])
    finally:
        await store.close()


async def _gone(store, name):
    return name not in await _names(store)


async def test_periodic_rediscovery_finds_a_new_ocm_managed_cluster(sim, tmp_path):
    kc_path = sim.write_kubeconfig(tmp_path / "kubeconfig")
    discover = reloading_discovery(str(kc_path), None, None, hub="hub", request_timeout=2.0)
    members, kubeconfig = await discover()
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    hub = ClusterClient.from_kubeconfig(load_kubeconfig(str(kc_path)), context="hub")
    try:
        fleet = FleetSync(store, members, kubeconfig=kubeconfig, timeout=2.0,
                          discover=discover, rediscover_interval=0.2)
        async with _running(fleet):
            res = await hub.resource("cluster.open-cluster-management.io/v1", "ManagedCluster")
            await hub.create(res, {
                "apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
                "metadata": {"name": "edge-new"},
                "spec": {"hubAcceptsClient": True},
            })

            async def registered():
                row = await store.cluster("edge-new")
                return row is not None and row.source == "ocm" and row
            row = await _eventually(registered)
            assert "ocm" in (row.registration or "")
            assert "edge-new" not in fleet.clusters  # no context: registration only
            await hub.delete(res, "edge-new")
            await _eventually(lambda: _gone(store, "edge-new"))
            assert set(fleet.clusters) == set(sim.cluster_names)
    finally:
        await hub.close()
        await store.close()


# -- a request through the cache: the screen's membership action --

class _HubAnswers:
    """A discovery whose hub answer the test changes (what accepting a cluster does)."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.calls = 0

    async def __call__(self):
        self.calls += 1
        ocm = {"state": self.state, "accepted": self.state != "pending acceptance"}
        return [Member("edge-9", None, None, source="ocm", access=None,
                       registration={"ocm": ocm})], None


async def _hub_state(store):
    row = await store.cluster("edge-9")
    return row.hub.get("state") if row is not None and row.hub else None


async def test_a_rediscovery_request_in_the_cache_is_answered_within_seconds(tmp_path):
    answers = _HubAnswers("pending acceptance")
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    # the screen's own connection to the same file, as the dashboard's app has
    screen = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    try:
        first, _ = await answers()
        fleet = FleetSync(store, first, client_factory=lambda m: None, discover=answers,
                          rediscover_interval=30.0)
        async with _running(fleet):
            assert await _eventually(lambda: _hub_state(store)) == "pending acceptance"
            await asyncio.sleep(1.5)  # a few polls of an unchanged key: no re-discovery
            assert answers.calls == 1
            answers.state = "joined"
            screen.writer.set_meta(REDISCOVER_META, "1700000000.0")
            await screen.writer.flush()
            t0 = asyncio.get_running_loop().time()

            async def joined():
                return await _hub_state(store) == "joined"
            await _eventually(joined, limit=3.0)
            assert asyncio.get_running_loop().time() - t0 < 3.0
            # the hub finishes on its own time: a follow-up sees what came after the action
            answers.state = "available"

            async def available():
                return await _hub_state(store) == "available"
            await _eventually(available, limit=4.0)
    finally:
        await screen.close()
        await store.close()


async def test_requests_read_from_the_cache_fire_once_per_change():
    values = iter(["a", "a", "b", "b", "c"])

    async def read():
        return next(values)
    requests = RediscoveryRequests(read)
    await requests.prime()
    assert [await requests.changed() for _ in range(4)] == [False, True, False, True]
