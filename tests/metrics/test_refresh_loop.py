"""The refresher's loop as the dashboard runs it: members re-read before each pull, a pull
that raises reported and the loop kept, quick re-pulls while the inventory is not in yet."""

from __future__ import annotations

import asyncio

from fleettui.metrics.refresh import MetricsRefresher, PullReport, fleet_clusters
from fleettui.store import Store


class _Fleet:
    def __init__(self, urls):
        self.clusters = {n: type("C", (), {"name": n, "prometheus": u})() for n, u in urls.items()}


async def test_fleet_clusters_are_the_cache_and_the_fleet_file(tmp_path):
    store = await Store.open(tmp_path / "c.db")
    try:
        store.writer.put_cluster("a", context="a")
        store.writer.put_cluster("b", context="b")
        await store.writer.flush()
        got = await fleet_clusters(store, _Fleet({"b": "http://prom-b:9090", "c": None}))
        assert got == [("a", None), ("b", "http://prom-b:9090"), ("c", None)]
        assert await fleet_clusters(store, None) == [("a", None), ("b", None)]
    finally:
        await store.close()


async def _run(refresher, pull, until, **kw):
    refresher.pull = pull  # type: ignore[method-assign]
    task = asyncio.create_task(refresher.run(**kw))
    try:
        for _ in range(100):
            if until():
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()


async def test_loop_survives_a_failed_pull_and_follows_the_members(tmp_path):
    store = await Store.open(tmp_path / "c.db")
    refresher = MetricsRefresher(store, [])
    seen: list[list[str]] = []
    errors: list[str] = []
    members = [[("a", None)], [("a", None), ("b", "http://127.0.0.1:9")]]

    async def pull() -> PullReport:
        seen.append(sorted(refresher.clusters))
        if len(seen) == 1:
            raise RuntimeError("disk full")
        return PullReport()

    async def current():
        return members[min(len(seen), 1)]

    try:
        await _run(refresher, pull, lambda: len(seen) >= 2, interval=0.05, members=current, on_error=errors.append)
        assert errors == ["metrics pull failed: RuntimeError: disk full"]  # said, and the loop went on
        assert seen[0] == ["a"] and seen[1] == ["a", "b"]
        assert list(refresher.prom.targets) == ["b"]  # only b names a Prometheus
    finally:
        refresher.close()
        await store.close()


async def test_quick_pulls_while_a_cluster_has_no_nodes_in_the_cache(tmp_path):
    store = await Store.open(tmp_path / "c.db")
    refresher = MetricsRefresher(store, [("a", None)])
    reports = [PullReport(no_inventory=["a"]), PullReport(no_inventory=["a"]), PullReport(), PullReport()]
    calls = []

    async def pull() -> PullReport:
        calls.append(1)
        return reports[min(len(calls), len(reports)) - 1]

    try:
        # an interval of a minute: only the settle explains a third pull within seconds
        await _run(refresher, pull, lambda: len(calls) >= 4, interval=60.0, settle=0.05)
        assert len(calls) == 3  # the third found the nodes: back to the interval
    finally:
        refresher.close()
        await store.close()


def test_dashboard_pulls_less_often_when_no_cluster_has_a_prometheus():
    from fleettui.cli import dashboard

    assert dashboard.metrics_interval(_Fleet({"a": None, "b": "http://prom-b:9090"})) == dashboard.METRICS_INTERVAL
    assert dashboard.metrics_interval(_Fleet({"a": None})) == dashboard.METRICS_INTERVAL_REQUESTS_ONLY
    assert dashboard.metrics_interval(None) == dashboard.METRICS_INTERVAL_REQUESTS_ONLY
    assert dashboard.METRICS_INTERVAL < dashboard.METRICS_INTERVAL_REQUESTS_ONLY
