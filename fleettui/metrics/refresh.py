"""Pulling usage from every cluster's Prometheus into the metrics cache.

One pull asks each Prometheus (in parallel, bounded, a timeout each: `FleetPrometheus`)
for the last hour of CPU and memory used by node and by owning object, and restarts and
network by owning object, joins that with what the cache says is requested and
allocatable (and which workload and application each owner is), and stores last values
and series per cluster, node, namespace, workload and application.
A cluster without a Prometheus gets its requests only (and says so); one whose
Prometheus does not answer keeps its last values, with their age, and the error.
Later pulls ask only for what is new since the last one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleettui.metrics import inventory as inv
from fleettui.metrics import promql
from fleettui.prom import FleetAnswer, FleetPrometheus, Target
from fleettui.store.metrics import SCOPES, MetricsStore, Pull, Series, UsageRow
from fleettui.store.store import Store

HOUR = 3600.0

# (scope, name) -> its points on the pull's grid, columns cpu (m), mem (B), restarts, net (B/s)
Usage = dict[tuple[str, str], Series]
# what each column is scaled by from Prometheus' unit (cores -> millicores)
SCALE = {"cpu": 1000.0, "mem": 1.0, "restarts": 1.0, "net": 1.0}


COLUMN_LABEL = "fleettui_column"


def queries(step: float, rate_window: str) -> dict[str, str]:
    """Grouping -> one PromQL for all its columns, each series tagged with its column
    (`fleettui_column`): two requests per Prometheus rather than one per column. By node
    for the node and cluster scopes; by owner for namespaces, workloads and applications
    (Prometheus does the summing, so the answer holds a series per owner, not per
    replica). Restarts per point are the increase over two steps halved, so each window
    holds two scrapes even at a scrape per step; no point is zero restarts."""
    window = f"{int(2 * step)}s"
    per_column = {
        "node": {"cpu": promql.cpu_cores("node", rate_window), "mem": promql.memory_bytes("node")},
        "owner": {
            "cpu": promql.by_owner(promql.cpu_cores_raw(rate_window)),
            "mem": promql.by_owner(promql.memory_bytes_raw()),
            # only where something restarted: a matrix of zeros for every owner is most of an answer
            "restarts": f"({promql.by_owner(promql.restarts_raw(window))}) / 2 > 0",
            "net": promql.by_owner(promql.network_bytes_raw(rate_window)),
        },
    }
    return {by: " or ".join(f'label_replace({q}, "{COLUMN_LABEL}", "{col}", "", "")' for col, q in cols.items())
            for by, cols in per_column.items()}


@dataclass
class PullReport:
    pulled: list[str] = field(default_factory=list)
    requests_only: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    no_inventory: list[str] = field(default_factory=list)  # no nodes in the cache (not synced yet)
    seconds: float = 0.0


def usage_from_answers(answers: Mapping[str, FleetAnswer], cluster: str,
                       owners: Mapping[tuple[str, str], tuple[str | None, str | None]], *,
                       start: float, step: float, points: int) -> Usage:
    """Pure: one cluster's range answers as a series per scope, on the grid of the query
    (`points` times from `start`, every `step`). Node series make the node and cluster
    scopes' CPU and memory; owner series (bare pods: per pod) make the namespaces, and
    through the cache's `owners` the workloads and applications, and the cluster's
    restarts and network (no node label on those)."""
    cols: dict[tuple[str, str], dict[str, list[float | None]]] = {}
    per_step = 1.0 / step
    for by, answer in answers.items():
        a = answer.answers.get(cluster)
        for s in (a.result if a is not None and a.ok and isinstance(a.result, list) else []):
            m = s.get("metric") or {}
            col = m.get(COLUMN_LABEL)
            if col not in SCALE:
                continue
            scale = SCALE[col]
            if by == "node":
                keys = [("node", m.get("node", "")), ("cluster", "")]
            else:
                ns, owner = promql.owner_of(m)
                workload, app = owners.get((ns, owner), (None, None))
                keys = [("namespace", ns)]
                keys += [("workload", workload)] if workload else []
                keys += [("app", app)] if app else []
                keys += [("cluster", "")] if col in ("restarts", "net") else []
            # the series once as (grid index, value), then added into every scope it counts
            # in (Prometheus writes NaN as "NaN"; its times are on the query's grid)
            values = s.get("values") or ([s["value"]] if s.get("value") else [])
            pts = [(int((t - start) * per_step + 0.5), float(raw) * scale) for t, raw in values if raw != "NaN"]
            for key in keys:
                column = cols.setdefault(key, {}).setdefault(col, [None] * points)
                for i, v in pts:
                    if 0 <= i < points:
                        old = column[i]
                        column[i] = v if old is None else old + v
    return {key: Series(start, step, c) for key, c in cols.items()}


def build_rows(cluster: str, now: float, step: float, figures: inv.ClusterInventory, usage: Usage | None,
               previous: Mapping[tuple[str, str], UsageRow]) -> list[UsageRow]:
    """Pure: one row per scope the cache or Prometheus knows. `usage` None: no Prometheus
    (requests only). Requested/allocatable are recorded on the points this pull adds that
    the stored series did not have yet (a backfilled hour gets today's requests), and on
    the point of now."""
    keys = set(figures.figures) | set(usage or {})
    whole = (usage or {}).get(("cluster", ""))
    measured = {c: whole is not None and _last(whole, c) is not None for c in ("cpu", "mem")}
    stamp = round(now / step) * step
    rows = []
    for key in sorted(keys):
        f = figures.figures.get(key) or inv.Figures()
        prev = previous.get(key)
        old = prev.series if prev else Series(step=step)
        static = {"cpu_req": f.cpu_req_m, "mem_req": f.mem_req_b}
        if key[0] in ("cluster", "node"):
            static |= {"cpu_alloc": f.cpu_alloc_m, "mem_alloc": f.mem_alloc_b}
        if key[0] == "cluster":
            static["nodes"] = float(f.nodes)
        used = (usage or {}).get(key)
        new = _with_static(used if used is not None else Series(stamp, step), old, stamp, static)
        series = old.overlay(new, now=now)
        if usage is None:
            cpu = mem = None
        else:
            # a column the cluster has no point for is not measured yet (a Prometheus that
            # has not scraped yet, or a rate() that needs a second scrape): unknown, not 0%;
            # where the cluster has it, a scope without it used nothing
            cpu, mem = (_last(used, c) if used is not None else None for c in ("cpu", "mem"))
            cpu = cpu if cpu is not None or not measured["cpu"] else 0.0
            mem = mem if mem is not None or not measured["mem"] else 0.0
        fetched = now
        rows.append(UsageRow(cluster, key[0], key[1], cpu, mem, f.cpu_req_m, f.mem_req_b,
                             f.cpu_alloc_m, f.mem_alloc_b, fetched, series))
    return rows


def _with_static(new: Series, old: Series, stamp: float, static: Mapping[str, float]) -> Series:
    """`new` reaching to `stamp`, with the static columns at its points the stored series
    does not cover and at `stamp`."""
    step = new.step
    n = max(len(new), int(round((stamp - new.t0) / step)) + 1)
    cols = {c: list(v) + [None] * (n - len(v)) for c, v in new.cols.items()}
    lo = old.t0 if len(old) else math.inf
    hi = old.t0 + (len(old) - 1) * old.step if len(old) else -math.inf
    marks = [False] * n
    for values in cols.values():
        for i, v in enumerate(values):
            if v is not None:
                marks[i] = True
    last = int(round((stamp - new.t0) / step))
    for c, value in static.items():
        col = cols.setdefault(c, [None] * n)
        for i in range(n):
            t = new.t0 + i * step
            if i == last or (marks[i] and not lo - 1e-6 <= t <= hi + 1e-6):
                col[i] = value
    return Series(new.t0, step, cols)


def _last(series: Series, col: str) -> float | None:
    return next((v for v in reversed(series.cols.get(col) or []) if v is not None), None)


class MetricsRefresher:
    """`await pull()` once; `await run(interval)` until cancelled (a pull never overlaps the
    previous one: the next waits for it, then for the interval)."""

    def __init__(self, store: Store, clusters: Iterable[tuple[str, str | None]], *,
                 step: float = 60.0, timeout: float = 5.0, concurrency: int = 8,
                 rate_window: str = promql.DEFAULT_RATE_WINDOW,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.metrics = MetricsStore(store)
        self.clusters = dict(clusters)  # name -> Prometheus URL or None
        self.step = step
        self.rate_window = rate_window
        self.clock = clock
        self.timeout, self.concurrency = timeout, concurrency
        self.prom = self._fleet_prometheus()

    def _fleet_prometheus(self) -> FleetPrometheus:
        targets = [Target(c, u.rstrip("/")) for c, u in self.clusters.items() if u]
        return FleetPrometheus(targets, timeout=self.timeout, concurrency=self.concurrency)

    def set_clusters(self, clusters: Iterable[tuple[str, str | None]]) -> None:
        """The fleet changed (a member added, a `prometheus:` edited): pull these from now on."""
        wanted = dict(clusters)
        if wanted == self.clusters:
            return
        self.clusters = wanted
        self.prom.close()
        self.prom = self._fleet_prometheus()

    def close(self) -> None:
        self.prom.close()

    async def pull(self) -> PullReport:
        started = time.monotonic()
        now = self.clock()
        report = PullReport()
        sources = await self.metrics.sources()

        async def cached() -> tuple[dict[str, dict[tuple[str, str], UsageRow]], dict[str, inv.ClusterInventory]]:
            previous: dict[str, dict[tuple[str, str], UsageRow]] = {}
            for scope in SCOPES:
                for r in await self.metrics.usage(scope):
                    previous.setdefault(r.cluster, {})[(r.scope, r.name)] = r
            return previous, {c: await inv.read(self.store, c) for c in self.clusters}

        # the cache is read while the Prometheus servers think
        reading = asyncio.ensure_future(cached())
        with_prom = [c for c, u in self.clusters.items() if u]
        # ask only for what is new since the oldest last pull (at most the last hour)
        last = [f for c in with_prom if c in sources and (f := sources[c].fetched_at)]
        since = min(last) if len(last) == len(with_prom) and last else now - HOUR
        start = math.floor(max(now - HOUR, since - self.step) / self.step) * self.step
        end = math.floor(now / self.step) * self.step
        answers: dict[str, FleetAnswer] = {}
        if with_prom:
            t0, t1 = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(max(end, start), UTC)
            asked = queries(self.step, self.rate_window)
            try:
                got = await asyncio.gather(*(self.prom.query_range(q, t0, t1, self.step) for q in asked.values()))
            except BaseException:
                reading.cancel()
                raise
            answers = dict(zip(asked, got, strict=True))
        previous, inventories = await reading
        pulls: list[Pull] = []
        for cluster, url in self.clusters.items():
            figures = inventories[cluster]
            if not figures.get("cluster", "").nodes:
                report.no_inventory.append(cluster)
            prev = previous.get(cluster, {})
            if url is None:
                rows = build_rows(cluster, now, self.step, figures, None, prev)
                pulls.append(Pull(cluster, rows, None, now))
                report.requests_only.append(cluster)
                continue
            errors = sorted({a.answers[cluster].error or "" for a in answers.values()
                             if cluster in a.answers and not a.answers[cluster].ok})
            if errors:
                pulls.append(Pull(cluster, [], url, now, "; ".join(errors), replace=False))
                report.failed[cluster] = "; ".join(errors)
                continue
            usage = usage_from_answers(answers, cluster, figures.owners, start=start, step=self.step,
                                       points=int(round((max(end, start) - start) / self.step)) + 1)
            pulls.append(Pull(cluster, build_rows(cluster, now, self.step, figures, usage, prev), url, now))
            report.pulled.append(cluster)
        await self.metrics.put_many(pulls)
        report.seconds = time.monotonic() - started
        return report

    async def run(self, interval: float = 60.0, on_report: Callable[[PullReport], None] | None = None, *,
                  members: Callable[[], Awaitable[Iterable[tuple[str, str | None]]]] | None = None,
                  on_error: Callable[[str], None] | None = None, settle: float = 5.0) -> None:
        """Pull, wait, pull again. `members()` is asked before each pull (clusters come and
        go while a dashboard runs). A pull that raises is reported to `on_error` and the
        loop goes on (a metrics hiccup must not stop the inventory sync it runs beside).
        While a cluster has no nodes in the cache yet (the inventory's first list has not
        landed), the next pull comes after `settle` s rather than the interval, for as long
        as two intervals: otherwise a dashboard started on an empty cache would show used
        without allocatable for a whole interval."""
        started = time.monotonic()
        while True:
            wait = interval
            try:
                if members is not None:
                    self.set_clusters(await members())
                report = await self.pull()
                if on_report is not None:
                    on_report(report)
                if report.no_inventory and time.monotonic() - started < 2 * interval:
                    wait = min(interval, settle)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(f"metrics pull failed: {type(exc).__name__}: {exc}")
            await asyncio.sleep(wait)


async def fleet_clusters(store: Store, fleet: Any) -> list[tuple[str, str | None]]:
    """Every cluster of the cache and of the fleet file, with its Prometheus URL (None: none
    named, so requests only)."""
    entries = getattr(fleet, "clusters", None) or {}
    names = {c.name for c in await store.clusters()} | set(entries)
    return [(n, getattr(entries.get(n), "prometheus", None) or None) for n in sorted(names)]
