"""The simulated clusterset's MCS controller: export conditions, KEP-1645 merge, imports, leases."""

from __future__ import annotations

import pytest

from fleettui.sim import Simulator
from fleettui.sim.mcs import EXPORTS, IMPORTS, LEASE_SECONDS, SERVICE_NAME, SLICES, SOURCE_CLUSTER
from fleettui.sim.mcs_merge import Export, merge
from fleettui.sim.seed_mcs import service_export, service_import


def conditions(obj: dict) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in (obj.get("status") or {}).get("conditions") or []}


def mc_slices(sim: Simulator, cluster: str, ns: str, name: str) -> dict[str, dict]:
    out = {}
    for s in sim.cluster(cluster).list(SLICES, ns):
        labels = s["metadata"].get("labels") or {}
        if labels.get(SERVICE_NAME) == name:
            out[labels[SOURCE_CLUSTER]] = s
    return out


@pytest.fixture
async def fleet():
    sim = Simulator(clusters=3, seed="demo", rng_seed=0)
    await sim.start()
    await sim.advance(20)
    try:
        yield sim
    finally:
        await sim.stop()


async def test_seeded_exports_merge_with_the_oldest_winning_a_port_conflict(fleet: Simulator):
    c0, c1, c2 = fleet.cluster_names
    assert conditions(fleet.cluster(c0).get(EXPORTS, "shop", "catalog")) == {
        "Valid": ("True", "Valid"), "Ready": ("True", "Exported"), "Conflict": ("False", "NoConflicts")}
    younger = fleet.cluster(c1).get(EXPORTS, "shop", "catalog")
    assert conditions(younger)["Conflict"] == ("True", "PortConflict")
    message = next(c["message"] for c in younger["status"]["conditions"] if c["type"] == "Conflict")
    assert '"http" is 8080/TCP here, 80/TCP in ' + c0 in message
    imp = fleet.cluster(c2).get(IMPORTS, "shop", "catalog")
    assert [(p["name"], p["port"]) for p in imp["spec"]["ports"]] == [("http", 80), ("grpc", 8443)]
    assert imp["spec"]["type"] == "ClusterSetIP" and len(imp["spec"]["ips"]) == 1
    assert imp["status"]["clusters"] == [{"cluster": c0}, {"cluster": c1}]


async def test_export_in_two_clusters_import_in_a_third_gets_both_endpoints(fleet: Simulator):
    c0, c1, c2 = fleet.cluster_names
    for c in (c0, c1):
        fleet.cluster(c).create(EXPORTS, service_export("shop", "cart"))
    fleet.cluster(c2).create(IMPORTS, service_import("shop", "cart"))
    await fleet.advance(0.5)
    assert conditions(fleet.cluster(c0).get(EXPORTS, "shop", "cart"))["Ready"] == ("False", "Pending")
    await fleet.advance(2)
    assert conditions(fleet.cluster(c0).get(EXPORTS, "shop", "cart"))["Ready"] == ("True", "Exported")
    slices = mc_slices(fleet, c2, "shop", "cart")
    assert set(slices) == {c0, c1}
    local = [s for s in fleet.cluster(c0).list(SLICES, "shop")
             if s["metadata"]["labels"].get("kubernetes.io/service-name") == "cart"][0]
    assert [e["addresses"] for e in slices[c0]["endpoints"]] == [e["addresses"] for e in local["endpoints"]]
    assert slices[c0]["metadata"]["ownerReferences"][0]["kind"] == "ServiceImport"
    # unexport: the import drops that source
    fleet.cluster(c1).delete(EXPORTS, "shop", "cart")
    await fleet.advance(1)
    assert set(mc_slices(fleet, c2, "shop", "cart")) == {c0}
    assert fleet.cluster(c2).get(IMPORTS, "shop", "cart")["status"]["clusters"] == [{"cluster": c0}]


async def test_invalid_exports_name_their_reason(fleet: Simulator):
    c0 = fleet.cluster_names[0]
    cluster = fleet.cluster(c0)
    cluster.create(EXPORTS, service_export("shop", "no-such-service"))
    cluster.create("services", {"apiVersion": "v1", "kind": "Service",
                                "metadata": {"name": "ext", "namespace": "shop"},
                                "spec": {"type": "ExternalName", "externalName": "db.example.com"}})
    cluster.create(EXPORTS, service_export("shop", "ext"))
    await fleet.advance(2)
    assert conditions(cluster.get(EXPORTS, "shop", "no-such-service"))["Valid"] == ("False", "NoService")
    ext = conditions(cluster.get(EXPORTS, "shop", "ext"))
    assert ext["Valid"] == ("False", "InvalidServiceType") and ext["Ready"] == ("False", "Failed")


async def test_headless_export_conflicts_and_clustersetip_of_the_oldest_wins(fleet: Simulator):
    c0, c1, c2 = fleet.cluster_names
    for c in (c0, c1):
        fleet.cluster(c).create("services", {
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "shop"},
            "spec": {"selector": {"app": "db"}, "ports": [{"name": "pg", "port": 5432}],
                     **({"clusterIP": "None"} if c == c1 else {})}})
    fleet.cluster(c0).create(EXPORTS, service_export("shop", "db"), creation_timestamp="2020-01-01T00:00:00Z")
    fleet.cluster(c1).create(EXPORTS, service_export("shop", "db"))
    fleet.cluster(c2).create(IMPORTS, service_import("shop", "db"))
    await fleet.advance(3)
    assert conditions(fleet.cluster(c1).get(EXPORTS, "shop", "db"))["Conflict"] == ("True", "TypeConflict")
    assert conditions(fleet.cluster(c0).get(EXPORTS, "shop", "db"))["Conflict"] == ("False", "NoConflicts")
    assert fleet.cluster(c2).get(IMPORTS, "shop", "db")["spec"]["type"] == "ClusterSetIP"


async def test_a_down_cluster_loses_its_endpoints_after_the_lease_and_gets_them_back(fleet: Simulator):
    c0, c1, c2 = fleet.cluster_names
    assert set(mc_slices(fleet, c2, "payments", "payments-api")) == {c0, c1}
    fleet.faults.set(c0, down="refuse")
    await fleet.advance(LEASE_SECONDS - 10, step=5)
    assert set(mc_slices(fleet, c2, "payments", "payments-api")) == {c0, c1}  # still within its lease
    await fleet.advance(20, step=5)
    assert set(mc_slices(fleet, c2, "payments", "payments-api")) == {c1}
    assert fleet.cluster(c2).get(IMPORTS, "payments", "payments-api")["status"]["clusters"] == [{"cluster": c1}]
    fleet.faults.clear(c0)
    await fleet.advance(3)
    assert set(mc_slices(fleet, c2, "payments", "payments-api")) == {c0, c1}


def test_merge_matches_ports_by_name_then_protocol_and_port() -> None:
    old = Export("a", 1.0, {"ports": [{"name": "http", "port": 80}, {"port": 9090, "protocol": "UDP"}]})
    same = Export("b", 2.0, {"ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "m", "port": 9100}]})
    renamed = Export("c", 3.0, {"ports": [{"name": "web", "port": 80}], "sessionAffinity": "ClientIP"})
    merged = merge([renamed, same, old])
    assert merged.winner == "a"
    assert [(p.get("name"), p["port"], p["protocol"]) for p in merged.ports] == [
        ("http", 80, "TCP"), (None, 9090, "UDP"), ("m", 9100, "TCP")]
    assert "b" not in merged.conflicts
    assert [r for r, _ in merged.conflicts["c"]] == ["PortConflict", "SessionAffinityConflict"]
