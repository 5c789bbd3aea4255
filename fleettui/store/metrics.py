"""The metrics cache (migration 0003): last usage values and compact series per cluster,
node, namespace, workload and application, and one source row per cluster.

Written by `fleettui.metrics.refresh` (observed state: it keeps working in watch mode),
read by panes and by `fleettui cost`, so both open instantly with the last numbers and
their age while a Prometheus is down. Change topic `metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from fleettui.store.store import Store

TOPIC = "metrics"
SCOPES = ("cluster", "node", "namespace", "workload", "app")
# what one point of a series holds: used, requested, allocatable (cluster/node scopes),
# at cluster scope how many nodes there were (for a fixed per-node price), and (not at
# node scope) container restarts in the step and network bytes/s (where cAdvisor has it)
COLUMNS = ("cpu", "mem", "cpu_req", "mem_req", "cpu_alloc", "mem_alloc", "nodes", "restarts", "net")
KEEP_SECONDS = 25 * 3600  # a day of history for cost, and an hour of slack


@dataclass(frozen=True)
class Series:
    """Points every `step` seconds from `t0`; `cols[c][i]` is column c at t0 + i·step (None:
    not known then). One JSON document per row: a day at a minute's step is ~1,500 points,
    parsed in well under a millisecond, where a row per point would be 100,000s of rows."""

    t0: float = 0.0
    step: float = 60.0
    cols: Mapping[str, list[float | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return max((len(v) for v in self.cols.values()), default=0)

    def times(self) -> list[float]:
        return [self.t0 + i * self.step for i in range(len(self))]

    def column(self, name: str) -> list[float | None]:
        values = list(self.cols.get(name) or [])
        return values + [None] * (len(self) - len(values))

    def points(self) -> dict[float, dict[str, float | None]]:
        out: dict[float, dict[str, float | None]] = {}
        for i, t in enumerate(self.times()):
            out[t] = {c: v[i] for c, v in self.cols.items() if i < len(v) and v[i] is not None}
        return out

    def merged(self, new: Mapping[float, Mapping[str, float | None]], *, step: float | None = None,
               keep: float = KEEP_SECONDS, now: float | None = None) -> Series:
        """This series with `new` points laid over it (a later pull wins for the columns it
        has), re-gridded at `step`, trimmed to the last `keep` seconds."""
        step = float(step or self.step)
        points: dict[float, dict[str, float | None]] = {}
        for source in (self.points(), new):
            for t, values in source.items():
                slot = points.setdefault(round(t / step) * step, {})
                slot.update({c: v for c, v in values.items() if v is not None})
        if not points:
            return Series(step=step)
        end = max(points) if now is None else max(max(points), round(now / step) * step)
        start = max(min(points), end - keep)
        n = int(round((end - start) / step)) + 1
        cols: dict[str, list[float | None]] = {c: [None] * n for c in COLUMNS}
        for t, values in points.items():
            if t < start:
                continue
            i = int(round((t - start) / step))
            for c, v in values.items():
                cols.setdefault(c, [None] * n)[i] = v
        return Series(start, step, {c: v for c, v in cols.items() if any(x is not None for x in v)})

    def overlay(self, new: Series, *, keep: float = KEEP_SECONDS, now: float | None = None) -> Series:
        """`merged(new.points(), ...)` for a series on the same grid, column by column: a
        pull lays an hour of points over every row's series, and a dict per point made
        that the larger part of a pull's own time."""
        step = new.step
        if len(self) and (self.step != step or abs((new.t0 - self.t0) / step - round((new.t0 - self.t0) / step)) > 1e-9):
            return self.merged(new.points(), step=step, keep=keep, now=now)
        spans = [x for x in (self, new) if len(x)]
        if not spans:
            return self.merged({}, step=step, keep=keep, now=now)
        first = min(x.t0 for x in spans)
        end = max(x.t0 + (len(x) - 1) * step for x in spans)
        if now is not None:
            end = max(end, round(now / step) * step)
        if end - keep > first:  # trimmed: the first grid point within `keep` of the end
            first += math.ceil((end - keep - first) / step - 1e-9) * step
        n = int(round((end - first) / step)) + 1
        cols: dict[str, list[float | None]] = {}
        for src in (self, new):  # the later one wins where it has a value
            off = int(round((src.t0 - first) / step))
            for c, values in src.cols.items():
                col = cols.setdefault(c, [None] * n)
                for i, v in enumerate(values):
                    j = off + i
                    if v is not None and 0 <= j < n:
                        col[j] = v
        return Series(first, step, {c: v for c, v in cols.items() if any(x is not None for x in v)})

    def window(self, start: float, end: float) -> Series:
        """The points with start < t <= end (a range ending now)."""
        times = self.times()
        idx = [i for i, t in enumerate(times) if start < t <= end]
        if not idx:
            return Series(step=self.step)
        a, b = idx[0], idx[-1] + 1
        return Series(times[a], self.step, {c: list(v[a:b]) for c, v in self.cols.items()})

    def to_json(self) -> bytes:
        return orjson.dumps({"t0": self.t0, "step": self.step, **{c: v for c, v in self.cols.items()}})

    @classmethod
    def from_json(cls, raw: str | bytes | None) -> Series:
        if not raw:
            return cls()
        doc = orjson.loads(raw)
        if not isinstance(doc, dict) or "t0" not in doc:
            return cls()
        return cls(float(doc["t0"]), float(doc.get("step") or 60.0),
                   {c: doc[c] for c in COLUMNS if isinstance(doc.get(c), list)})


@dataclass(frozen=True)
class UsageRow:
    """CPU (millicores) and memory (bytes) used, requested and allocatable for one scope."""

    cluster: str
    scope: str
    name: str
    cpu_used_m: float | None
    mem_used_b: float | None
    cpu_req_m: float
    mem_req_b: float
    cpu_alloc_m: float
    mem_alloc_b: float
    fetched_at: float
    series: Series = field(default_factory=Series)

    @property
    def key(self) -> str:
        return f"{self.cluster}/{self.scope}/{self.name}"

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


@dataclass(frozen=True)
class MetricSource:
    """Where a cluster's usage comes from, and how its last pull went."""

    cluster: str
    prometheus: str | None
    fetched_at: float | None
    attempted_at: float | None
    error: str | None

    @property
    def requests_only(self) -> bool:
        return self.prometheus is None


_ROW = ("cluster, scope, name, cpu_used_m, mem_used_b, cpu_req_m, mem_req_b, cpu_alloc_m, mem_alloc_b,"
        " fetched_at")


@dataclass(frozen=True)
class Pull:
    """One cluster's part of a pull, for `MetricsStore.put_many` (arguments as `put`'s)."""

    cluster: str
    rows: list[UsageRow]
    prometheus: str | None
    attempted_at: float
    error: str | None = None
    replace: bool = True


class MetricsStore:
    """Named queries over the metrics tables (as `AppStore` is for the engine's)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def put(self, cluster: str, rows: Iterable[UsageRow], *, prometheus: str | None,
                  attempted_at: float, error: str | None = None, replace: bool = True) -> None:
        """One pull's result: the rows (scopes absent from it are dropped when `replace`, so
        a deleted namespace leaves) and the source row. A failed pull passes no rows and
        `replace=False`: the last values stay, with their age."""
        await self.put_many([Pull(cluster, list(rows), prometheus, attempted_at, error, replace)])

    async def put_many(self, pulls: Iterable[Pull]) -> None:
        """`put` for every cluster of a fleet's pull in one transaction (one commit, not one
        per cluster, each waiting its turn on the store's thread)."""
        pulls = list(pulls)
        async with self.store._observed_transaction() as conn:
            for p in pulls:
                if p.replace:
                    await conn.execute("DELETE FROM metric_series WHERE cluster = ?", (p.cluster,))
            await conn.executemany(
                "INSERT OR REPLACE INTO metric_series (" + _ROW + ", series)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.cluster, r.scope, r.name, r.cpu_used_m, r.mem_used_b, r.cpu_req_m, r.mem_req_b,
                  r.cpu_alloc_m, r.mem_alloc_b, r.fetched_at, r.series.to_json()) for p in pulls for r in p.rows])
            await conn.executemany(
                "INSERT INTO metric_sources (cluster, prometheus, fetched_at, attempted_at, error)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (cluster) DO UPDATE SET prometheus = excluded.prometheus,"
                " fetched_at = coalesce(excluded.fetched_at, metric_sources.fetched_at),"
                " attempted_at = excluded.attempted_at, error = excluded.error",
                [(p.cluster, p.prometheus, p.attempted_at if p.error is None else None, p.attempted_at, p.error)
                 for p in pulls])
        for p in pulls:
            self.store.publish(TOPIC, p.cluster)

    async def remove_cluster(self, cluster: str) -> None:
        async with self.store._observed_transaction() as conn:
            await conn.execute("DELETE FROM metric_series WHERE cluster = ?", (cluster,))
            await conn.execute("DELETE FROM metric_sources WHERE cluster = ?", (cluster,))
        self.store.publish(TOPIC, cluster)

    async def usage(self, scope: str = "cluster", *, cluster: str | None = None,
                    series: bool = True) -> list[UsageRow]:
        """Rows of one scope (every cluster's, or one's), by cluster and name."""
        sql = f"SELECT {_ROW}{', series' if series else ''} FROM metric_series WHERE scope = ?"
        params: list[Any] = [scope]
        if cluster is not None:
            sql += " AND cluster = ?"
            params.append(cluster)
        rows = await self.store._fetchall(sql + " ORDER BY cluster, name", params)

        def build(r: tuple[Any, ...]) -> UsageRow:
            # the ten columns before `series`: mypy cannot count a slice, so it fears a second series
            return UsageRow(*r[:10], series=Series.from_json(r[10]) if series else Series())  # type: ignore[misc]  # see above

        if cluster is not None:
            return [build(r) for r in rows]
        # every cluster's rows of a scope, read on each refresh of the clusters pane
        return self.store.reuse(f"usage:{scope}:{series}", rows, build, key=lambda r: (r[0], r[2]))  # cluster, name

    async def sources(self) -> dict[str, MetricSource]:
        rows = await self.store._fetchall(
            "SELECT cluster, prometheus, fetched_at, attempted_at, error FROM metric_sources ORDER BY cluster")
        return {s.cluster: s for s in self.store.reuse("metric_sources", rows, lambda r: MetricSource(*r))}

