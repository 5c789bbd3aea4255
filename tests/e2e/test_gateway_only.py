"""End to end through the hub's Cluster Gateway only: a kubeconfig with the hub's context and
no member context at all (an operator on a jump host). Sync (list + watch), distribute with
a canary gate, resume, drift repair, a member down behind the gateway, read-only."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest
import yaml

from fleettui.cli.main import main
from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine.engine import Engine
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_local import LocalHub
from fleettui.engine.source import LocalSource
from fleettui.store import Store
from fleettui.store.apps import AppStore
from fleettui.sync import FleetSync
from fleettui.sync.discovery import discover_members

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def hub_only(sim, tmp_path):
    path = sim.write_kubeconfig(tmp_path / "hub-only", access="hub-only")
    kc = load_kubeconfig(str(path))
    assert [c.name for c in kc.contexts] == ["hub"]
    return path, kc


@pytest.fixture
async def cache(tmp_path):
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    yield store
    await store.close()


async def _members(kc):
    members = await discover_members(kc, None, None, read_only=True, hub_context="hub")
    assert members.errors == []
    assert all(m.access == "gateway" and m.via == "hub" for m in members)
    return members


async def _eventually(check, *, limit=8.0, every=0.05):
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {limit}s: last {result!r}")
        await asyncio.sleep(every)


async def test_sync_list_and_watch_through_the_gateway(sim, hub_only, cache):
    _, kc = hub_only
    members = await _members(kc)
    assert sorted(m.name for m in members) == sorted(sim.cluster_names)
    sync = FleetSync(cache, members, kubeconfig=kc, timeout=3.0)
    report = await sync.sync_once()
    assert report.ok, report.failed
    for name in sim.cluster_names:
        row = await cache.cluster(name)
        assert row.reachable and row.access == "gateway" and row.context is None
        assert row.nodes_total == len(sim.cluster(name).list("nodes"))
        assert (await cache.object_counts(name))["Pod"] == len(sim.cluster(name).list("pods"))
    # every member request went through the hub: the members' own logs count them,
    # the hub's log counts as many proxied requests
    proxied = sim.requests.counts["hub"]["proxy"]
    at_members = sum(sum(sim.requests.counts[n].values()) for n in sim.cluster_names)
    assert proxied == at_members > 0

    # live: watches through the proxy follow a change
    live = FleetSync(cache, members, kubeconfig=kc, timeout=3.0)
    task = asyncio.create_task(live.run())
    try:
        name = sim.cluster_names[0]
        sim.cluster(name).create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": {"name": "via-gateway"}})

        async def seen():
            return [n for n in await cache.namespaces(name) if n.name == "via-gateway"]

        await _eventually(seen)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    # the sync only reads: not one mutating request reached any member through the hub
    assert sim.mutations() == 0 and sim.requests.counts[name]["watch"] > 0


async def test_member_down_behind_the_gateway(sim, hub_only, cache):
    _, kc = hub_only
    victim = sim.cluster_names[1]
    sim.faults.set(victim, down="refuse")
    members = await _members(kc)
    down = next(m for m in members if m.name == victim)
    assert down.registration["gateway"]["healthy"] is False  # the gateway says so too
    report = await FleetSync(cache, members, kubeconfig=kc, timeout=3.0).sync_once()
    assert [r.name for r in report.failed] == [victim]
    row = await cache.cluster(victim)
    assert row.reachable is False and row.access == "gateway"
    assert "503" in row.last_error and "error trying to reach cluster" in row.last_error
    for name in sim.cluster_names:
        if name != victim:
            assert (await cache.cluster(name)).reachable is True


async def test_canary_resume_and_drift_repair_through_the_gateway(sim, hub_only, cache):
    _, kc = hub_only
    members = await _members(kc)
    routes = [(m.name, m.context, dict(m.labels), (m.via, m.gateway)) for m in members]
    fleet = Fleet.from_members(kc, routes, timeout=3.0)
    records = AppStore(cache)
    hub = LocalHub(records, engine=Engine(LocalSource(records), records, fleet, clock=sim.clock.now),
                   clock=sim.clock.now)

    async def settle(ns, name):
        for _ in range(30):
            result = await hub.engine.reconcile(ns, name)
            if result.settled:
                return result
            await sim.advance(2.0, step=1.0)
        return result

    try:
        await hub.apply(yaml.safe_load((EXAMPLES / "canary.yaml").read_text()))
        assert (await settle("shop", "orders-api")).phase == "workflowSuspending"
        assert sim.cluster("ack-hangzhou-a").get("deployments.apps", "shop", "orders-api") is not None
        assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "orders-api") is None
        assert sim.mutations("hub") == 0  # placed on the member, through the hub, never on it

        await hub.resume("shop", "orders-api")
        assert (await settle("shop", "orders-api")).phase == "running"
        for name in ("idc-beijing", "edge-shenzhen"):
            assert sim.cluster(name).get("deployments.apps", "shop", "orders-api") is not None

        member = sim.cluster("idc-beijing")
        live = member.get("deployments.apps", "shop", "orders-api")
        member.update("deployments.apps", {**live, "spec": {**live["spec"], "replicas": 9}})
        report = await hub.engine.keep_state()
        assert report.drifted == 1 and report.repaired == 1
        assert member.get("deployments.apps", "shop", "orders-api")["spec"]["replicas"] == 2
    finally:
        await fleet.close()
    assert sim.cluster("hub").get("deployments.apps", "shop", "orders-api") is None


async def _cli(capsys, *argv):
    rc = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


async def test_cli_read_only_through_the_gateway_sends_no_mutation(sim, hub_only, tmp_path, capsys):
    path, _ = hub_only
    # the fleet file names the hub; the kubeconfig has nothing else
    (tmp_path / "fleet.yaml").write_text("hub: hub\n")
    common = ["--kubeconfig", str(path), "--cache", str(tmp_path / "c.db"),
              "--fleet", str(tmp_path / "fleet.yaml")]
    rc, out, err = await _cli(capsys, "--hub", "hub", "sync", "--once", "-o", "json", *common)
    assert rc == 0, err
    assert sorted(i["name"] for i in json.loads(out)["items"]) == sorted(sim.cluster_names)
    rc, out, err = await _cli(capsys, "app", "apply", "-f", str(EXAMPLES / "canary.yaml"),
                              "--read-only", *common)
    assert rc != 0 and "read-only" in err and "Traceback" not in err
    rc, out, err = await _cli(capsys, "clusters", "-o", "json", "--cache", str(tmp_path / "c.db"))
    assert rc == 0, err
    assert {i["access"] for i in json.loads(out)["items"]} == {"gateway"}
    assert sim.mutations() == 0
