"""The services pane: pure renderers on fixture rows, and SVG snapshots at 80x24 and 160x48."""

from __future__ import annotations

import pytest

from fleettui.store import Store
from fleettui.store.services import service_sets
from fleettui.sync.summaries import summarize_service
from fleettui.sync.summaries_mcs import (
    summarize_endpoint_slice,
    summarize_service_export,
    summarize_service_import,
)
from fleettui.tui.renderers import PLAIN
from fleettui.tui.services_renderers import service_cells, service_detail_lines
from tui.conftest import make_app, settle, wait_for_data

C0, C1, C2 = "ack-hangzhou-a", "idc-beijing", "edge-shenzhen"


def _cond(conflict: str | None = None) -> dict:
    return {"conditions": [
        {"type": "Valid", "status": "True", "reason": "Valid", "message": ""},
        {"type": "Ready", "status": "True", "reason": "Exported", "message": ""},
        {"type": "Conflict", "status": "True" if conflict else "False", "reason": conflict or "NoConflicts",
         "message": "port \"http\" differs" if conflict else ""}]}


async def add_clusterset(store: Store) -> None:
    w = store.writer
    catalog = {C0: [{"name": "http", "port": 80}], C1: [{"name": "http", "port": 8080}, {"name": "grpc", "port": 8443}]}
    for cluster, days, conflict in ((C0, 1, None), (C1, 9, "PortConflict")):
        w.replace(cluster, "Service", [summarize_service({"metadata": {"namespace": "shop", "name": "catalog"},
                                                          "spec": {"clusterIP": "10.0.0.9", "ports": catalog[cluster]}})])
        w.replace(cluster, "ServiceExport", [summarize_service_export({
            "metadata": {"namespace": "shop", "name": "catalog", "creationTimestamp": f"2026-01-{days:02d}T00:00:00Z"},
            "status": _cond(conflict)})])
    w.replace(C2, "ServiceImport", [summarize_service_import({
        "metadata": {"namespace": "shop", "name": "catalog"},
        "spec": {"type": "ClusterSetIP", "ports": [{"name": "http", "port": 80}], "ips": ["243.1.2.3"]},
        "status": {"clusters": [{"cluster": C0}, {"cluster": C1}]}})])
    w.replace(C2, "EndpointSlice", [summarize_endpoint_slice({
        "metadata": {"namespace": "shop", "name": f"catalog-{src}", "labels": {
            "multicluster.kubernetes.io/service-name": "catalog", "multicluster.kubernetes.io/source-cluster": src}},
        "endpoints": [{"addresses": [f"10.9.{i}.1"], "conditions": {"ready": True}} for i in range(n)]})
        for src, n in ((C0, 3), (C1, 2))])
    await w.flush()


async def test_cells_and_detail_name_the_winner_and_the_conflict(services_cache):
    store = await Store.open(services_cache)
    try:
        [row] = await service_sets(store)
    finally:
        await store.close()
    cells = [c.plain for c in service_cells(row, PLAIN)]
    assert cells[0] == "shop/catalog" and cells[1] == "▲ degraded" and cells[2] == "ClusterSetIP"
    assert cells[4] == f"{C0} ● Exported {C1} ▲ PortConflict"
    assert cells[6] == f"{C0}=3 {C1}=2" and cells[7] == "catalog.shop.svc.clusterset.local"
    detail = service_detail_lines(row)
    assert f"analysis: oldest export {C0} wins" in detail
    assert any(line.startswith(f"  {C1}: PortConflict: port \"http\" is 8080/TCP here") for line in detail)
    assert f"  port 8443/TCP (grpc) only on {C1}" in detail


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_services_pane(snap_compare, services_cache, size):
    async def run_before(pilot) -> None:
        await wait_for_data(pilot)
        pilot.app.action_show_pane("services")
        await settle(pilot, 0.2)

    app = make_app(services_cache)
    assert snap_compare(app, terminal_size=size, run_before=run_before)
