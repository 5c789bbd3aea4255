"""Services pane refresh (issue: multi-cluster services): 100 clusters x 40 services, target <= 1 s.

A cache is filled through the sync's own summarizers and the store writer: every
cluster exports its 40 Services; each clusterset name is exported by 4 clusters and
imported into 2 others, each consumer holding one EndpointSlice per source (1,000
names, 4,000 exports, 2,000 imports, 8,000 multi-cluster slices, 4,000 Services).
Timed: what one pane refresh does — `service_sets` (queries + fleettui's own merge
and conflict analysis of every name) and turning each row into its table record.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fleettui.cli.commands.services import service_record
from fleettui.store import Store
from fleettui.store.services import service_sets
from fleettui.sync.summaries import summarize_service
from fleettui.sync.summaries_mcs import (
    summarize_endpoint_slice,
    summarize_service_export,
    summarize_service_import,
)

TARGET = 1.0
CLUSTERS, SERVICES, EXPORTERS, CONSUMERS = 100, 40, 4, 2
COND = [{"type": "Valid", "status": "True", "reason": "Valid", "message": ""},
        {"type": "Ready", "status": "True", "reason": "Exported", "message": ""},
        {"type": "Conflict", "status": "False", "reason": "NoConflicts", "message": ""}]


def _meta(ns: str, name: str, **extra: object) -> dict:
    return {"namespace": ns, "name": name, "uid": f"{ns}-{name}", "resourceVersion": "1", **extra}


async def fill(store: Store) -> None:
    clusters = [f"c{i:03d}" for i in range(CLUSTERS)]
    groups = CLUSTERS // EXPORTERS
    for i, c in enumerate(clusters):
        store.writer.put_cluster(c, context=c)
        store.writer.probe(c, reachable=True, version="v1.32.0", latency_ms=1.0)
        group = i // EXPORTERS
        svcs, exports, imports, slices = [], [], [], []
        for k in range(SERVICES):
            name = f"svc-{group}-{k}"
            svcs.append(summarize_service({"metadata": _meta("shop", name), "spec": {
                "clusterIP": f"10.0.{i}.{k}", "ports": [{"name": "http", "port": 80 + (i % 4 == 3) * 8000}]}}))
            exports.append(summarize_service_export({"metadata": _meta("shop", name, creationTimestamp=(
                f"2026-01-{1 + i % EXPORTERS:02d}T00:00:00Z")), "status": {"conditions": COND}}))
        # consumers: the next groups' clusters import this group's names
        for offset in range(1, CONSUMERS + 1):
            src_group = (group - offset) % groups
            if i % EXPORTERS:
                continue
            for k in range(SERVICES):
                name = f"svc-{src_group}-{k}"
                srcs = clusters[src_group * EXPORTERS:(src_group + 1) * EXPORTERS]
                imports.append(summarize_service_import({"metadata": _meta("shop", name), "spec": {
                    "type": "ClusterSetIP", "ports": [{"name": "http", "port": 80}], "ips": ["243.0.0.1"]},
                    "status": {"clusters": [{"cluster": s} for s in srcs]}}))
                for s in srcs:
                    slices.append(summarize_endpoint_slice({"metadata": {**_meta("shop", f"{name}-{s}"), "labels": {
                        "multicluster.kubernetes.io/service-name": name,
                        "multicluster.kubernetes.io/source-cluster": s}},
                        "endpoints": [{"addresses": [f"10.1.{i}.{j}"], "conditions": {"ready": True}}
                                      for j in range(3)], "ports": [{"name": "http", "port": 8080}]}))
        store.writer.replace(c, "Service", svcs, resource_version="1")
        store.writer.replace(c, "ServiceExport", exports, resource_version="1")
        store.writer.replace(c, "ServiceImport", imports, resource_version="1")
        store.writer.replace(c, "EndpointSlice", slices, resource_version="1")
        await store.writer.flush()


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "cache.db")
        try:
            t0 = time.perf_counter()
            await fill(store)
            print(f"filled the cache in {time.perf_counter() - t0:.1f} s")
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                rows = await service_sets(store)
                records = [service_record(r) for r in rows]
                times.append(time.perf_counter() - t0)
            conflicts = sum(1 for r in records if r["conflicts"])
        finally:
            await store.close()
    best, median = min(times), statistics.median(times)
    print(f"services pane refresh, {CLUSTERS} clusters x {SERVICES} services: {len(rows)} clusterset names "
          f"({conflicts} in conflict): best {best:.3f} s, median {median:.3f} s (target <= {TARGET} s)")
    return 0 if median <= TARGET else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
