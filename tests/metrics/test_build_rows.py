"""One pull's rows: a value Prometheus has no point for yet is unknown, never 0."""

from __future__ import annotations

from fleettui.metrics import inventory as inv
from fleettui.metrics.refresh import build_rows
from fleettui.store.metrics import Series

NOW = 1_800_000_000.0
STEP = 60.0


def test_cpu_without_a_point_yet_is_unknown_not_zero() -> None:
    # a Prometheus started a minute ago: memory answers, rate() over CPU does not yet
    figures = inv.ClusterInventory("c1", {("cluster", ""): inv.Figures(4000.0, 2.0**33, 8000.0, 2.0**34, 2)})
    usage = {("cluster", ""): Series(NOW - STEP, STEP, {"mem": [2.0**30, 2.0**30]})}
    [row] = build_rows("c1", NOW, STEP, figures, usage, {})
    assert row.cpu_used_m is None and row.mem_used_b == 2.0**30
    # both measured: both read
    usage = {("cluster", ""): Series(NOW - STEP, STEP, {"cpu": [250.0, 500.0], "mem": [2.0**30, 2.0**31]})}
    [row] = build_rows("c1", NOW, STEP, figures, usage, {})
    assert (row.cpu_used_m, row.mem_used_b) == (500.0, 2.0**31)
    # Prometheus answered and nothing of this scope runs there: that is a measured zero
    figures.figures[("namespace", "idle")] = inv.Figures()
    rows = {r.name: r for r in build_rows("c1", NOW, STEP, figures, usage, {})}
    assert (rows["idle"].cpu_used_m, rows["idle"].mem_used_b) == (0.0, 0.0)


def test_a_scope_without_cpu_in_a_measured_cluster_used_none() -> None:
    # the cluster's CPU is measured; a crash-looping workload has no CPU series: it used 0
    figures = inv.ClusterInventory("c1", {("cluster", ""): inv.Figures(), ("workload", "ns/Deployment/crash"): inv.Figures()})
    usage = {("cluster", ""): Series(NOW, STEP, {"cpu": [500.0], "mem": [2.0**30]}),
             ("workload", "ns/Deployment/crash"): Series(NOW, STEP, {"mem": [2.0**20]})}
    rows = {r.name: r for r in build_rows("c1", NOW, STEP, figures, usage, {})}
    assert (rows["ns/Deployment/crash"].cpu_used_m, rows["ns/Deployment/crash"].mem_used_b) == (0.0, 2.0**20)


def test_a_prometheus_that_has_not_scraped_yet_is_unknown_not_zero() -> None:
    # it answered, with no series at all (started seconds ago): every scope unknown
    figures = inv.ClusterInventory("c1", {("cluster", ""): inv.Figures(4000.0, 2.0**33, 8000.0, 2.0**34, 2),
                                          ("namespace", "shop"): inv.Figures(1000.0, 2.0**30)})
    rows = build_rows("c1", NOW, STEP, figures, {}, {})
    assert [(r.cpu_used_m, r.mem_used_b) for r in rows] == [(None, None), (None, None)]
    # no Prometheus at all: unknown too (requests only)
    assert [(r.cpu_used_m, r.mem_used_b) for r in build_rows("c1", NOW, STEP, figures, None, {})] == [
        (None, None), (None, None)]
