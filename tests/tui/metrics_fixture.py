"""Deterministic metrics for the seeded fleet, written through `MetricsStore` (as the
refresher writes them): a day of points every 5 minutes per cluster, namespace,
application and node, shaped by arithmetic alone so every snapshot is stable.

- idc-beijing has no Prometheus: requests and allocatable only ("req only");
- edge-shenzhen's Prometheus stopped answering 20 minutes ago: its numbers are old,
  with their age, and its source row carries the error;
- shop/checkout is broken on the fleet's second and fifth clusters (as in fleet_fixture):
  a restart every half hour there, none anywhere else;
- eks-us-west-2's cAdvisor reports no network: its NET reads "n/a".
"""

from __future__ import annotations

import math

from fleettui.store import Store
from fleettui.store.metrics import MetricsStore, Series, UsageRow
from tui.fleet_fixture import APPS, DEMO_CLUSTERS, FROZEN_NOW

STEP = 300.0
POINTS = 288  # a day
NO_PROMETHEUS = "idc-beijing"
DOWN = "edge-shenzhen"
DOWN_SINCE = 1200.0
GIB = float(2**30)
NO_NETWORK = "eks-us-west-2"
CRASHING = (1, 4)  # cluster indexes where shop/checkout restarts


def wave(i: int, phase: float, base: float, swing: float) -> float:
    """A daily rhythm (busier in the day) plus a faster ripple: never negative."""
    return base * (1.0 + swing * math.sin(2 * math.pi * i / POINTS + phase) + 0.1 * math.sin(i / 5.0 + phase))


def _row(cluster: str, scope: str, name: str, *, cpu_req: float, mem_req: float, cpu_alloc: float,
         mem_alloc: float, share: float, phase: float, used: bool, end: float, nodes: int | None,
         crashing: bool = False) -> UsageRow:
    n = POINTS if end == FROZEN_NOW else POINTS - int(DOWN_SINCE / STEP)
    t0 = end - (n - 1) * STEP
    cols: dict[str, list[float | None]] = {
        "cpu_req": [cpu_req] * n, "mem_req": [mem_req] * n,
        "cpu_alloc": [cpu_alloc] * n if cpu_alloc else [None] * n,
        "mem_alloc": [mem_alloc] * n if mem_alloc else [None] * n,
    }
    if nodes is not None:
        cols["nodes"] = [float(nodes)] * n
    if used:
        cols["cpu"] = [round(wave(i, phase, cpu_req * share, 0.4), 1) for i in range(n)]
        cols["mem"] = [round(wave(i, phase + 1, mem_req * (share + 0.2), 0.2)) for i in range(n)]
        if scope != "node":  # restarts and network have no node label
            cols["restarts"] = [1.0 if crashing and i % 6 == 0 else 0.0 for i in range(n)]
            if cluster != NO_NETWORK:
                cols["net"] = [round(wave(i, phase + 2, 40.0 * cpu_req * share, 0.3)) for i in range(n)]
    cols = {c: v for c, v in cols.items() if any(x is not None for x in v)}
    series = Series(t0, STEP, cols)
    return UsageRow(cluster, scope, name, cols["cpu"][-1] if used else None,
                    cols["mem"][-1] if used else None, cpu_req, mem_req, cpu_alloc, mem_alloc, end, series)


def usage_rows(idx: int, cluster: str, n_nodes: int) -> list[UsageRow]:
    used = cluster != NO_PROMETHEUS
    end = FROZEN_NOW - DOWN_SINCE if cluster == DOWN else FROZEN_NOW
    share = 0.35 + 0.08 * idx
    rows = []
    ns_names = ["default", "kube-system", *(a for a, _ in APPS)]
    total_cpu = total_mem = 0.0
    for k, ns in enumerate(ns_names):
        cpu_req = 250.0 * (1 + (idx + k) % 5)
        mem_req = (256 << 20) * (1 + (idx * 3 + k) % 4)
        total_cpu, total_mem = total_cpu + cpu_req, total_mem + mem_req
        crashing = ns == "shop" and idx in CRASHING
        kw = dict(cpu_req=cpu_req, mem_req=mem_req, cpu_alloc=0.0, mem_alloc=0.0, share=share,
                  phase=idx + k, used=used, end=end, nodes=None)
        rows.append(_row(cluster, "namespace", ns, crashing=crashing, **kw))
        if ns in dict(APPS):
            rows.append(_row(cluster, "app", ns, crashing=crashing, **kw))
            comps = dict(APPS)[ns]
            for j, comp in enumerate(comps):
                rows.append(_row(cluster, "workload", f"{ns}/Deployment/{comp}", **{
                    **kw, "cpu_req": cpu_req / len(comps), "mem_req": mem_req / len(comps), "phase": idx + k + j},
                    crashing=crashing and comp == "checkout"))
    rows.append(_row(cluster, "cluster", "", cpu_req=total_cpu, mem_req=total_mem, cpu_alloc=8000.0 * n_nodes,
                     mem_alloc=32 * GIB * n_nodes, share=share, phase=idx, used=used, end=end, nodes=n_nodes,
                     crashing=idx in CRASHING))
    for n in range(n_nodes):
        rows.append(_row(cluster, "node", f"{cluster}-node-{n}", cpu_req=total_cpu / n_nodes,
                         mem_req=total_mem / n_nodes, cpu_alloc=8000.0, mem_alloc=32 * GIB, share=share,
                         phase=idx + n, used=used, end=end, nodes=None))
    return rows


async def fill_metrics(store: Store) -> None:
    ms = MetricsStore(store)
    for idx, (name, *_rest, n_nodes) in enumerate(DEMO_CLUSTERS):
        prometheus = None if name == NO_PROMETHEUS else f"http://prometheus.{name}.example:9090"
        error = "unreachable (connection refused or reset)" if name == DOWN else None
        good = FROZEN_NOW - DOWN_SINCE if error else FROZEN_NOW - 30
        await ms.put(name, usage_rows(idx, name, n_nodes), prometheus=prometheus, attempted_at=good)
        if error:  # the last good pull, then the failing one: fetched_at keeps the good one's time
            await ms.put(name, [], prometheus=prometheus, attempted_at=FROZEN_NOW - 30, error=error,
                         replace=False)
