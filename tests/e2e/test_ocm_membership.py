"""OCM membership from the terminal, end to end on the simulator through the hub only:
a joining member accepted from the CLI becomes Joined/Available and a synced fleet member;
deny; taints and clustersets as placements see them; detach; read-only refuses with zero
mutations at the simulator."""

from __future__ import annotations

import asyncio
import json

import pytest

from fleettui.cli.main import main
from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.sim import Simulator
from fleettui.store import Store
from fleettui.sync import FleetSync
from fleettui.sync.discovery import discover_members

MANAGED = "managedclusters.cluster.open-cluster-management.io"
CSR = "certificatesigningrequests.certificates.k8s.io"
DECISIONS = "placementdecisions.cluster.open-cluster-management.io"


@pytest.fixture
async def sim():
    s = Simulator(clusters=2, seed="demo", rng_seed=0, joining=2)
    s.clock.freeze()
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


@pytest.fixture
def kc_path(sim, tmp_path):
    return sim.write_kubeconfig(tmp_path / "hub-only", access="hub-only")


@pytest.fixture
async def cache(tmp_path):
    store = await Store.open(tmp_path / "cache.db", poll_interval=0.1)
    yield store
    await store.close()


async def cli(kc_path, *argv):
    # the CLI runs its own event loop: a thread, while this loop keeps serving the simulator
    return await asyncio.to_thread(main, ["--kubeconfig", str(kc_path), "--hub", "hub", *argv])


def conditions(sim, name):
    mc = sim.hub.get(MANAGED, None, name)
    return {c["type"]: c["status"] for c in (mc.get("status") or {}).get("conditions") or []}


async def members(kc_path):
    found = await discover_members(load_kubeconfig(str(kc_path)), None, None, read_only=True,
                                   hub_context="hub")
    return {m.name: m for m in found}


async def test_joining_member_accepted_from_the_cli_joins_and_is_synced(sim, kc_path, cache, capsys):
    assert sim.joining == ["joining-1", "joining-2"]
    assert "joining-1" not in sim.cluster_names  # its agent dialled out: no context anywhere
    before = await members(kc_path)
    reg = before["joining-1"].registration["ocm"]
    assert reg["state"] == "pending acceptance" and reg["pending_csrs"] == 1
    assert not before["joining-1"].reachable  # nothing reaches it until the hub accepts it

    assert await cli(kc_path, "cluster", "pending", "-o", "json") == 0
    pending = json.loads(capsys.readouterr().out)["items"]
    assert [(p["cluster"], p["csr_state"]) for p in pending] == [("joining-1", "pending"),
                                                                 ("joining-2", "pending")]

    assert await cli(kc_path, "cluster", "accept", "joining-1") == 0
    out = capsys.readouterr().out
    assert "approved CSR joining-1-" in out and "hubAcceptsClient set to true" in out
    csr = next(c for c in sim.hub.list(CSR) if c["metadata"]["name"].startswith("joining-1-"))
    assert [c["type"] for c in csr["status"]["conditions"]] == ["Approved"]
    await sim.advance(1)
    assert conditions(sim, "joining-1") == {"HubAcceptedManagedCluster": "True",
                                            "ManagedClusterJoined": "True",
                                            "ManagedClusterConditionAvailable": "True"}
    assert sim.hub.get(CSR, None, csr["metadata"]["name"])["status"]["certificate"]
    assert conditions(sim, "joining-2") == {}  # the other one still waits

    after = await members(kc_path)
    joined = after["joining-1"]
    assert joined.registration["ocm"]["state"] == "available"
    assert joined.access == "gateway" and joined.reachable
    report = await FleetSync(cache, list(after.values()), kubeconfig=load_kubeconfig(str(kc_path)),
                             timeout=3.0).sync_once()
    assert "joining-1" not in [r.name for r in report.failed]
    row = await cache.cluster("joining-1")
    assert row.reachable and row.access == "gateway"
    assert row.nodes_total == len(sim.cluster("joining-1").list("nodes")) > 0
    assert row.hub["accepted"] and row.hub["joined"]
    assert [j.cluster for j in await cache.pending_joins()] == ["joining-2"]


async def test_deny_a_joining_member_and_revoke_an_accepted_one(sim, kc_path, cache, capsys):
    assert await cli(kc_path, "cluster", "deny", "joining-2") == 0
    assert "denied CSR joining-2-" in capsys.readouterr().out
    await sim.advance(1)
    found = await members(kc_path)
    assert found["joining-2"].registration["ocm"]["state"] == "denied"
    assert not found["joining-2"].reachable
    await FleetSync(cache, list(found.values()), kubeconfig=load_kubeconfig(str(kc_path)),
                    timeout=3.0).sync_once()
    denied = {j.cluster: j for j in await cache.pending_joins()}["joining-2"]
    assert denied.state == "denied" and denied.pending_csrs == 0
    # accepting it later sets the flag, but a denied CSR stays denied: without a fresh
    # request from its agent it holds no certificate, so it does not join
    assert await cli(kc_path, "cluster", "accept", "joining-2") == 0
    capsys.readouterr()
    await sim.advance(1)
    assert conditions(sim, "joining-2") == {"HubAcceptedManagedCluster": "True"}

    # an accepted member denied later loses the hub: HubAccepted False, lease Unknown, no gateway
    assert await cli(kc_path, "cluster", "accept", "joining-1") == 0
    await sim.advance(1)
    assert conditions(sim, "joining-1")["ManagedClusterJoined"] == "True"
    assert await cli(kc_path, "cluster", "deny", "joining-1") == 0
    await sim.advance(1)
    mc = sim.hub.get(MANAGED, None, "joining-1")
    accepted = next(c for c in mc["status"]["conditions"] if c["type"] == "HubAcceptedManagedCluster")
    assert (accepted["status"], accepted["reason"]) == ("False", "HubClusterAdminDenied")
    assert conditions(sim, "joining-1")["ManagedClusterConditionAvailable"] == "Unknown"
    assert sim.hub.get("secrets", "vela-system", "joining-1") is None


async def test_taint_and_clusterset_drive_placement_and_show_in_the_cache(sim, kc_path, cache, capsys):
    first = sim.cluster_names[0]  # ack-hangzhou-a: the demo Placement `ack-clusters` picks it

    def decided():
        d = sim.hub.get(DECISIONS, "default", "ack-clusters-decision-1")
        return [x["clusterName"] for x in d["status"]["decisions"]]

    assert decided() == [first]
    assert await cli(kc_path, "cluster", "taint", first, "maintenance=true:NoSelect") == 0
    await sim.advance(1)
    taints = sim.hub.get(MANAGED, None, first)["spec"]["taints"]
    assert [(t["key"], t["value"], t["effect"]) for t in taints] == [("maintenance", "true", "NoSelect")]
    assert decided() == []  # NoSelect: the placement no longer chooses it

    found = await members(kc_path)
    await FleetSync(cache, list(found.values()), kubeconfig=load_kubeconfig(str(kc_path)),
                    timeout=3.0).sync_once()
    row = await cache.cluster(first)
    assert [t["key"] for t in row.hub["taints"]] == ["maintenance"]
    assert row.hub["clusterset"] == "default"

    assert await cli(kc_path, "cluster", "untaint", first, "maintenance") == 0
    await sim.advance(1)
    assert decided() == [first]

    # a joined member moved into the set and labelled as ACK is placed too
    assert await cli(kc_path, "cluster", "accept", "joining-1") == 0
    await sim.advance(1)
    assert await cli(kc_path, "cluster", "set", "joining-1", "--clusterset", "default") == 0
    assert await cli(kc_path, "cluster", "hub-label", "joining-1", "fleettui.io/provider=ack",
                     "--overwrite") == 0
    await sim.advance(1)
    assert decided() == [first, "joining-1"]
    mc_labels = sim.hub.get(MANAGED, None, "joining-1")["metadata"]["labels"]
    assert mc_labels["cluster.open-cluster-management.io/clusterset"] == "default"
    # as `vela cluster labels add`: the KubeVela cluster secret carries the label too
    assert sim.hub.get("secrets", "vela-system", "joining-1")["metadata"]["labels"][
        "fleettui.io/provider"] == "ack"
    capsys.readouterr()
    assert await cli(kc_path, "cluster", "placements", "-o", "json") == 0
    [placement] = json.loads(capsys.readouterr().out)["items"]
    assert placement["name"] == "ack-clusters" and placement["selected"] == 2
    assert placement["decisions"] == [first, "joining-1"]

    assert await cli(kc_path, "cluster", "set", "joining-1", "--clusterset", "nope") == 1
    assert "fleettui: no ManagedClusterSet 'nope' on hub hub" in capsys.readouterr().err
    assert await cli(kc_path, "cluster", "taint", first, "k:Sometimes") == 1
    assert "effect must be one of NoSelect" in capsys.readouterr().err


async def test_detach_names_what_stops_being_managed_and_needs_a_yes(sim, kc_path, capsys, monkeypatch):
    first = sim.cluster_names[0]
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert await cli(kc_path, "cluster", "detach", first) == 1
    captured = capsys.readouterr()
    assert f"ManagedCluster {first}" in captured.out and f"vela-system/{first}" in captured.out
    assert "pass --yes" in captured.err
    assert sim.hub.get(MANAGED, None, first) is not None
    assert await cli(kc_path, "cluster", "detach", first, "--yes") == 0
    assert sim.hub.get(MANAGED, None, first) is None
    assert sim.hub.get("secrets", "vela-system", first) is None
    assert first not in await members(kc_path)


@pytest.mark.parametrize("flag", ["--read-only", "--watch"])
async def test_read_only_refuses_every_membership_write_with_zero_mutations(sim, kc_path, capsys, flag):
    first = sim.cluster_names[0]
    before = sim.mutations()
    for argv in (["accept", "joining-1"], ["deny", "joining-2"], ["taint", first, "k=v:NoSelect"],
                 ["set", first, "--clusterset", "global"], ["hub-label", first, "a=b"],
                 ["detach", first, "--yes"]):
        assert await cli(kc_path, flag, "cluster", *argv) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("fleettui: read-only mode: refused"), (argv, err)
    assert sim.mutations() == before
    await sim.advance(1)
    assert conditions(sim, "joining-1") == {}
    # reading is fine in read-only mode
    assert await cli(kc_path, flag, "cluster", "pending") == 0


async def test_vela_join_from_a_context_after_detach(sim, tmp_path, kc_path, capsys):
    full = sim.write_kubeconfig(tmp_path / "all")  # member contexts too: what `vela cluster join` reads
    first = sim.cluster_names[0]
    assert await cli(full, "cluster", "detach", first, "--yes") == 0
    assert first not in await members(kc_path)
    capsys.readouterr()
    assert await cli(full, "cluster", "join", first) == 0
    assert "(ServiceAccountToken)" in capsys.readouterr().out
    secret = sim.hub.get("secrets", "vela-system", first)
    assert secret["metadata"]["labels"]["cluster.core.oam.dev/cluster-credential-type"] == "ServiceAccountToken"
    import base64

    assert base64.b64decode(secret["data"]["endpoint"]).decode() == sim.url(first)
    assert base64.b64decode(secret["data"]["token"]).decode() == "fleettui-sim-token"
    back = (await members(kc_path))[first]
    assert back.access == "gateway" and back.reachable  # the gateway reaches it again

    assert await cli(full, "cluster", "join", first) == 1
    assert "already joined" in capsys.readouterr().err
    assert await cli(full, "cluster", "join", "nosuch") == 1
    assert "fleettui: context 'nosuch' not found" in capsys.readouterr().err
    before = sim.mutations()
    assert await cli(full, "--read-only", "cluster", "join", first, "--name", "again") == 1
    assert "read-only mode: refused" in capsys.readouterr().err
    assert sim.mutations() == before
