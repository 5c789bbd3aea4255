"""Multi-cluster Services kinds in the cache: synced like the others, optional where no CRD is served."""

from __future__ import annotations

import json

import pytest
from test_sync_sim import _eventually, _fleet, _running

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.sim.mcs import EXPORTS
from fleettui.sim.seed_mcs import CRD_KEY, service_export
from fleettui.store import Store
from fleettui.sync.discovery import Member
from fleettui.sync.summaries_mcs import summarize_endpoint_slice, summarize_service_export

MC = "multicluster.x-k8s.io"


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


async def _rows(cache, kind):
    return await cache._fetchall(
        "SELECT cluster, namespace, name, health, message, data FROM objects WHERE kind = ? ORDER BY 1, 2, 3", (kind,))


async def test_exports_imports_and_multicluster_slices_reach_the_cache(sim, cache, members, kubeconfig):
    await sim.advance(20)
    report = await _fleet(cache, members, kubeconfig).sync_once()
    assert report.ok, report.failed
    c0, c1, c2 = sim.cluster_names
    exports = {(r[0], r[1], r[2]): (r[3], json.loads(r[5])) for r in await _rows(cache, "ServiceExport")}
    assert exports[(c1, "shop", "catalog")][0] == "degraded"
    assert exports[(c1, "shop", "catalog")][1]["conditions"]["Conflict"]["reason"] == "PortConflict"
    assert exports[(c0, "shop", "catalog")][0] == "healthy"
    imports = {(r[0], r[2]): json.loads(r[5]) for r in await _rows(cache, "ServiceImport")}
    assert imports[(c2, "catalog")]["clusters"] == [c0, c1]
    slices = {(r[0], json.loads(r[5])["service"], json.loads(r[5])["source_cluster"])
              for r in await _rows(cache, "EndpointSlice")}
    assert {(c2, "payments-api", c0), (c2, "payments-api", c1)} <= slices
    # a cluster's own slices are not kept: every row is a multi-cluster one
    assert all(json.loads(r[5]).get("source_cluster") for r in await _rows(cache, "EndpointSlice"))


async def test_a_cluster_without_the_mcs_crds_is_not_an_error(sim, cache, members, kubeconfig):
    c0 = sim.cluster_names[0]
    for crd in list(sim.cluster(c0).list(CRD_KEY)):
        if crd["spec"]["group"] == MC:
            sim.cluster(c0).delete(CRD_KEY, "", crd["metadata"]["name"])
    report = await _fleet(cache, members, kubeconfig).sync_once()
    assert report.ok, report.failed
    assert not [r for r in await _rows(cache, "ServiceExport") if r[0] == c0]


async def test_a_new_export_arrives_through_the_watch(sim, cache, members, kubeconfig):
    fleet = _fleet(cache, members, kubeconfig, watch_timeout=5)
    c0 = sim.cluster_names[0]
    async with _running(fleet):
        await _eventually(lambda: _rows(cache, "ServiceExport"))
        sim.cluster(c0).create(EXPORTS, service_export("shop", "cart"))
        await sim.advance(2)

        async def exported():
            return [r for r in await _rows(cache, "ServiceExport")
                    if r[0] == c0 and r[2] == "cart" and r[3] == "healthy"]
        await _eventually(exported)


def test_summaries_read_conditions_and_skip_local_slices() -> None:
    export = {"metadata": {"name": "a", "namespace": "n", "creationTimestamp": "2026-01-01T00:00:00Z"},
              "status": {"conditions": [
                  {"type": "Valid", "status": "False", "reason": "NoService", "message": "gone"}]}}
    s = summarize_service_export(export)
    assert (s["health"], s["message"]) == ("unhealthy", "NoService: gone")
    local = {"metadata": {"name": "a-x", "labels": {"kubernetes.io/service-name": "a"}}, "endpoints": []}
    assert summarize_endpoint_slice(local) is None
    mc = {"metadata": {"name": "a-c0", "labels": {"multicluster.kubernetes.io/service-name": "a",
                                                  "multicluster.kubernetes.io/source-cluster": "c0"}},
          "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True}},
                        {"addresses": ["10.0.0.2"], "conditions": {"ready": False}}]}
    s = summarize_endpoint_slice(mc)
    assert (s["ready"], s["desired"], s["addresses"]) == (1, 2, ["10.0.0.1"])


async def test_service_sets_from_the_cache_name_exporters_importers_and_the_winner(sim, cache, members, kubeconfig):
    from fleettui.store.services import service_sets

    await sim.advance(20)
    assert (await _fleet(cache, members, kubeconfig).sync_once()).ok
    c0, c1, c2 = sim.cluster_names
    rows = {r.key: r for r in await service_sets(cache)}
    assert set(rows) == {"payments/payments-api", "shop/catalog", "platform/auth"}
    catalog = rows["shop/catalog"]
    assert (catalog.exporting, catalog.importing, catalog.dns) == ([c0, c1], [c2], "catalog.shop.svc.clusterset.local")
    assert catalog.analysis.winner == c0
    assert [(c.cluster, c.reason) for c in catalog.analysis.conflicts] == [(c1, "PortConflict")]
    assert catalog.ports == ["80/TCP (http)", "8443/TCP (grpc)"]
    assert catalog.ready_by_source() == {c0: 3, c1: 3}
    assert {e.cluster: e.badge("Conflict") for e in catalog.exports} == {c0: "False/NoConflicts",
                                                                         c1: "True/PortConflict"}
