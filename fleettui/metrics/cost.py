"""Cost as OpenCost allocates it, from the cached series (pure functions, no network).

allocation = Σ over the range of max(requested, used) × price per resource-hour, per CPU
core and per GiB of memory; a cluster's capacity cost is its allocatable at the same
prices (plus a fixed price per node hour, if set); idle = capacity not allocated. Points
the cache has no usage for (a cluster without Prometheus) count their requests only.
Only the time the series cover is charged: `hours` says how much that was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fleettui.config.fleetfile import Cost, FleetFile
from fleettui.store.metrics import Series, UsageRow

GIB = float(2**30)
IDLE = "__idle__"  # OpenCost's name for the capacity nobody was allocated
# Placeholders, NOT real prices: they only make the columns non-zero until the fleet file
# says what your clusters cost. Every figure computed with them is marked "placeholder".
PLACEHOLDER = Cost(cpu_core_hour=0.03, memory_gib_hour=0.004, node_hour=0.0)


@dataclass(frozen=True)
class Rate:
    cpu_core_hour: float
    memory_gib_hour: float
    node_hour: float
    source: str  # "cluster", "prices", "placeholder", or a mix ("cluster+placeholder")


def _specificity(rule_keys: Sequence[str | None]) -> int:
    return sum(1 for k in rule_keys if k)


def resolve_rate(cluster: str, *, provider: str | None, region: str | None,
                 node_types: Mapping[str, int], fleet: FleetFile | None) -> Rate:
    """The rates for one cluster: its own `cost:` first, then the most specific `prices:`
    rule matching its provider, region and node types (averaged over its nodes by count),
    then the placeholders — key by key, and the source says which were used."""
    own = fleet.clusters[cluster].cost if fleet and cluster in fleet.clusters else None
    rules = fleet.prices if fleet else []
    sources: set[str] = set()

    def from_rules(key: str, node_type: str | None) -> float | None:
        best, best_rank = None, -1
        for r in rules:
            if getattr(r.cost, key) is None:
                continue
            if (r.provider and r.provider != provider) or (r.region and r.region != region):
                continue
            if r.node_type and r.node_type != node_type:
                continue
            rank = _specificity((r.provider, r.region, r.node_type))
            if rank > best_rank:
                best, best_rank = getattr(r.cost, key), rank
        return best

    def one(key: str) -> float:
        value = getattr(own, key) if own else None
        if value is not None:
            sources.add("cluster")
            return float(value)
        total = sum(node_types.values())
        if total:
            found = {t: from_rules(key, t) for t in node_types}
            if all(v is not None for v in found.values()):
                sources.add("prices")
                return sum(float(found[t] or 0) * n for t, n in node_types.items()) / total
        value = from_rules(key, None)
        if value is not None:
            sources.add("prices")
            return float(value)
        sources.add("placeholder")
        return float(getattr(PLACEHOLDER, key) or 0.0)

    cpu, mem, node = one("cpu_core_hour"), one("memory_gib_hour"), one("node_hour")
    return Rate(cpu, mem, node, "+".join(s for s in ("cluster", "prices", "placeholder") if s in sources))


@dataclass
class CostLine:
    cluster: str
    name: str  # the cluster ("" at cluster scope), namespace or application; IDLE for idle
    cpu_core_hours: float = 0.0
    memory_gib_hours: float = 0.0
    cpu_cost: float = 0.0
    memory_cost: float = 0.0
    fixed_cost: float = 0.0  # per-node price (cluster scope only)
    idle_cost: float = 0.0  # cluster scope: capacity not allocated
    hours: float = 0.0  # how much of the range the series covered
    price_source: str = ""

    @property
    def total(self) -> float:
        return self.cpu_cost + self.memory_cost + self.fixed_cost

    def record(self) -> dict[str, object]:
        return {"cluster": self.cluster, "name": self.name or self.cluster,
                "cpu_core_hours": round(self.cpu_core_hours, 4), "memory_gib_hours": round(self.memory_gib_hours, 4),
                "cpu_cost": round(self.cpu_cost, 4), "memory_cost": round(self.memory_cost, 4),
                "fixed_cost": round(self.fixed_cost, 4), "idle_cost": round(self.idle_cost, 4),
                "total": round(self.total, 4), "hours": round(self.hours, 2), "price_source": self.price_source}


@dataclass
class CostReport:
    by: str
    start: float
    end: float
    lines: list[CostLine] = field(default_factory=list)
    trend: list[tuple[float, float]] = field(default_factory=list)  # (bucket start, allocated cost)

    @property
    def total(self) -> float:
        return sum(line.total for line in self.lines)


def _filled(values: list[float | None]) -> list[float]:
    """Carry the last known request forward (and the first one back): a pull records the
    requests of its moment, and they hold until the next."""
    out: list[float] = []
    last = next((v for v in values if v is not None), 0.0)
    for v in values:
        if v is not None:
            last = v
        out.append(last)
    return out


def _span(series: Series, start: float, end: float) -> tuple[int, int]:
    """Indexes [a, b) of the points with start < t <= end (arithmetic, no time list: a
    day of points for every row of 100 clusters is millions of them)."""
    n = len(series)
    if not n:
        return 0, 0
    a = max(0, math.floor((start - series.t0) / series.step + 1e-9) + 1)
    b = min(n, math.floor((end - series.t0) / series.step + 1e-9) + 1)
    return a, max(a, b)


def _hours(series: Series, a: int, b: int, used: str, req: str) -> list[float]:
    """Resource-units × hours per point: max(requested, used) × the step."""
    reqs = _filled(series.column(req))[a:b]
    useds = series.column(used)[a:b]
    dt = series.step / 3600.0
    return [(r if u is None or u < r else u) * dt for r, u in zip(reqs, useds, strict=True)]


@dataclass
class _Allocation:
    line: CostLine
    t_first: float
    step: float
    costs: list[float]  # cost per point, for the trend


def _allocate(row: UsageRow, rate: Rate, start: float, end: float) -> _Allocation:
    a, b = _span(row.series, start, end)
    cpu = _hours(row.series, a, b, "cpu", "cpu_req")
    mem = _hours(row.series, a, b, "mem", "mem_req")
    line = CostLine(row.cluster, row.name, price_source=rate.source)
    line.cpu_core_hours = sum(cpu) / 1000.0
    line.memory_gib_hours = sum(mem) / GIB
    line.cpu_cost = line.cpu_core_hours * rate.cpu_core_hour
    line.memory_cost = line.memory_gib_hours * rate.memory_gib_hour
    line.hours = (b - a) * row.series.step / 3600.0
    cpu_price, mem_price = rate.cpu_core_hour / 1000.0, rate.memory_gib_hour / GIB
    costs = [c * cpu_price + m * mem_price for c, m in zip(cpu, mem, strict=True)]
    return _Allocation(line, row.series.t0 + a * row.series.step, row.series.step, costs)


def allocate(row: UsageRow, rate: Rate, start: float, end: float) -> CostLine:
    """One namespace's, application's or cluster's allocation over (start, end]."""
    return _allocate(row, rate, start, end).line


def capacity(row: UsageRow, rate: Rate, start: float, end: float) -> CostLine:
    """A cluster's allocatable (and node count) over the range at its prices."""
    a, b = _span(row.series, start, end)
    dt = row.series.step / 3600.0
    line = CostLine(row.cluster, "", price_source=rate.source, hours=(b - a) * dt)
    cpu_alloc, mem_alloc, nodes = (_filled(row.series.column(c))[a:b] for c in ("cpu_alloc", "mem_alloc", "nodes"))
    line.cpu_core_hours = sum((v or 0.0) for v in cpu_alloc) * dt / 1000.0
    line.memory_gib_hours = sum((v or 0.0) for v in mem_alloc) * dt / GIB
    line.cpu_cost = line.cpu_core_hours * rate.cpu_core_hour
    line.memory_cost = line.memory_gib_hours * rate.memory_gib_hour
    line.fixed_cost = sum((v or 0.0) for v in nodes) * dt * rate.node_hour
    return line


def report(by: str, rows: Mapping[str, Iterable[UsageRow]], rates: Mapping[str, Rate], *, start: float,
           end: float, buckets: int = 24) -> CostReport:
    """The fleet's cost over (start, end]. `rows[scope]` are the cached rows of that scope
    ("cluster" always, plus "namespace" for the idle share, and "app" for by=app).
    by=cluster: one line per cluster (total = capacity + fixed; idle_cost = capacity not
    allocated to namespaces). by=namespace|app: one line each, plus an IDLE line per cluster."""
    out = CostReport(by, start, end)
    clusters = {r.cluster: r for r in rows.get("cluster", [])}
    allocated: dict[str, CostLine] = {}
    namespaces = [_allocate(r, rates[r.cluster], start, end) for r in rows.get("namespace", [])
                  if r.cluster in clusters]
    for alloc in namespaces:
        line = alloc.line
        acc = allocated.setdefault(line.cluster, CostLine(line.cluster, ""))
        acc.cpu_cost += line.cpu_cost
        acc.memory_cost += line.memory_cost
        if by == "namespace":
            out.lines.append(line)
    if by == "app":
        out.lines.extend(allocate(r, rates[r.cluster], start, end) for r in rows.get("app", [])
                         if r.cluster in clusters)
    for name, row in sorted(clusters.items()):
        cap = capacity(row, rates[name], start, end)
        acc = allocated.get(name, CostLine(name, ""))
        idle = max(0.0, cap.cpu_cost - acc.cpu_cost) + max(0.0, cap.memory_cost - acc.memory_cost)
        if by == "cluster":
            cap.idle_cost = idle
            out.lines.append(cap)
        else:
            out.lines.append(CostLine(name, IDLE, cpu_cost=max(0.0, cap.cpu_cost - acc.cpu_cost),
                                      memory_cost=max(0.0, cap.memory_cost - acc.memory_cost),
                                      hours=cap.hours, price_source=rates[name].source))
    out.trend = trend(namespaces, start, end, buckets)
    return out


def trend(allocations: Iterable[_Allocation], start: float, end: float,
          buckets: int) -> list[tuple[float, float]]:
    """Allocated cost of the whole fleet per bucket of the range (the trend line)."""
    n = max(1, buckets)
    width = (end - start) / n
    totals = [0.0] * n
    for al in allocations:
        for i in range(n):
            # points with start + i·width < t <= start + (i+1)·width
            lo = max(0, math.floor((start + i * width - al.t_first) / al.step + 1e-9) + 1)
            hi = min(len(al.costs), math.floor((start + (i + 1) * width - al.t_first) / al.step + 1e-9) + 1)
            if hi > lo:
                totals[i] += sum(al.costs[lo:hi])
    return [(start + i * width, v) for i, v in enumerate(totals)]
