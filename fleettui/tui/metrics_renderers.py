"""Pure renderers for usage, the global view and cost: cache rows in, cells out.

`now` and the palette are passed in (as in renderers.py), so each has a fixture test.
Used CPU is in millicores and memory in bytes, as the metrics cache keeps them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text

from fleettui.metrics.cost import IDLE, CostLine
from fleettui.metrics.view import MetricsView
from fleettui.store.metrics import MetricSource, Series, UsageRow
from fleettui.tui.renderers import Palette, fmt_age, fmt_cpu, fmt_mem, fmt_pct

SPARK = "▁▂▃▄▅▆▇█"
HOUR = 3600.0
# `metrics sync` pulls every 60 s by default: three missed pulls and the numbers are old news
STALE_AFTER = 180.0
RANGES = {"15m": 900.0, "1h": 3600.0, "6h": 6 * 3600.0, "24h": 86400.0}
GROUPINGS = ("cluster", "namespace", "workload", "app", "node")
SORTS = ("cpu", "mem", "restarts", "net")
# the cache's series column each sort ranks and draws
SORT_COLUMN = {"cpu": "cpu", "mem": "mem", "restarts": "restarts", "net": "net"}


def sparkline(values: Sequence[float | None], width: int, *, top: float | None = None,
              low: float | None = 0.0) -> str:
    """`values` squeezed into `width` cells (each the mean of its points), scaled from `low`
    (None: their min, to show the shape) to `top` (None: their max); against the capacity
    from zero, a flat line at half the capacity reads as half. A cell with no known point
    is a space, not a zero: unknown is not idle."""
    if width <= 0 or not values:
        return ""
    n = len(values)
    cells: list[float | None] = []
    for i in range(min(width, n)):
        chunk = [v for v in values[i * n // min(width, n):(i + 1) * n // min(width, n)] if v is not None]
        cells.append(sum(chunk) / len(chunk) if chunk else None)
    known = [c for c in cells if c is not None]
    peak = top if top is not None else max(known, default=0.0)
    floor = low if low is not None else min(known, default=0.0)
    if peak - floor <= 0:
        mark = SPARK[0] if low is not None or not known else SPARK[3]  # flat: low, or mid when shape-scaled
        return "".join(" " if c is None else mark for c in cells)
    return "".join(" " if c is None else SPARK[max(0, min(7, int((c - floor) / (peak - floor) * 7.999)))]
                   for c in cells)


def is_stale(row: UsageRow, source: MetricSource | None, now: float) -> bool:
    return row.age(now) > STALE_AFTER or bool(source and source.error)


def _fmt(kind: str, value: float) -> str:
    return fmt_cpu(int(round(value))) if kind == "cpu" else fmt_mem(int(round(value)))


def usage_cell(row: UsageRow | None, source: MetricSource | None, kind: str, now: float, palette: Palette,
               *, spark: int = 4) -> Text:
    """`27% ▂▃▅▇`: used now as a share of the allocatable (beside the requested share in
    the REQ column), then the last hour's shape; the amount itself where the scope has no
    allocatable (a namespace). `req only` for a cluster without a Prometheus, `-` where its
    Prometheus has no value yet. Numbers no
    longer current carry their age in place of the sparkline (it would not be the last hour)."""
    if row is None:
        return Text("-", style=palette.muted)
    used = row.cpu_used_m if kind == "cpu" else row.mem_used_b
    if source is not None and source.requests_only:
        return Text("req only", style=palette.muted)
    if used is None:  # its Prometheus has no value for it yet (or never answered)
        return Text("-", style=palette.muted)
    alloc = row.cpu_alloc_m if kind == "cpu" else row.mem_alloc_b
    out = Text(fmt_pct(100.0 * used / alloc) if alloc else _fmt(kind, used))
    if is_stale(row, source, now):
        out.stylize(palette.stale)
        out.append(f" {fmt_age(row.age(now))}", style=palette.stale)
        return out
    line = sparkline(in_range(row.series, now - HOUR, now).column(kind), spark, low=None)
    if line.strip():
        out.append(" " + line, style=palette.muted)
    return out


# -- the global view ---------------------------------------------------------

@dataclass(frozen=True)
class TopLine:
    """One row of the global view: averages over the range of one cluster, namespace, app or node."""

    row: UsageRow
    cpu_m: float | None  # mean used over the range (None: no usage known)
    mem_b: float | None
    series: Series  # the range's points, for the plot
    restarts: float | None = None  # container restarts over the range (None: not pulled for it)
    net_bps: float | None = None  # mean receive + transmit, bytes/s (None: Prometheus has no such series)

    def value(self, sort: str) -> float | None:
        return {"cpu": self.cpu_m, "mem": self.mem_b, "restarts": self.restarts, "net": self.net_bps}[sort]

    @property
    def key(self) -> str:
        return self.row.key

    @property
    def label(self) -> str:
        return self.row.cluster if self.row.scope == "cluster" else f"{self.row.cluster}/{self.row.name}"


def in_range(series: Series, start: float, end: float) -> Series:
    """`series.window(start, end)` by arithmetic: the points with start < t <= end, without
    building the list of every point's time (a day of them for every row, each refresh)."""
    n = len(series)
    a = max(0, math.floor((start - series.t0) / series.step + 1e-9) + 1)
    b = min(n, math.floor((end - series.t0) / series.step + 1e-9) + 1)
    if b <= a:
        return Series(step=series.step)
    return Series(series.t0 + a * series.step, series.step, {c: v[a:b] for c, v in series.cols.items()})


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def top_lines(view: MetricsView, by: str, seconds: float, now: float, *, sort: str = "cpu",
              limit: int = 20) -> list[TopLine]:
    """The `limit` largest over the last `seconds`: CPU, memory and network as the mean of
    the cached points, restarts as their sum (each point is the restarts in its step).
    Rows without the figure (requests only; no network series) come after those with it,
    CPU and memory ones ranked by their requests."""
    out = []
    for r in view.rows(by):
        s = in_range(r.series, now - seconds, now)
        cpu, mem = _mean(s.column("cpu")), _mean(s.column("mem"))
        restarts = [v for v in s.column("restarts") if v is not None]
        cpu = cpu if cpu is not None else r.cpu_used_m if not len(s) else None
        # the pull stores only points where something restarted: measured and none is 0
        total = sum(restarts) if restarts else 0.0 if cpu is not None and by != "node" else None
        out.append(TopLine(r, cpu, mem if mem is not None else r.mem_used_b if not len(s) else None, s,
                           total, _mean(s.column("net"))))

    def rank(t: TopLine) -> tuple[int, float, str]:
        value = t.value(sort)
        if value is None and sort in ("cpu", "mem"):
            value_or_req = t.row.cpu_req_m if sort == "cpu" else t.row.mem_req_b
            return (1, -value_or_req, t.key)
        return (0 if value is not None else 1, -(value or 0.0), t.key)

    return sorted(out, key=rank)[:limit]


def fmt_bps(value: float) -> str:
    """Bytes per second, binary units as the memory column uses."""
    for unit, size in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if value >= size:
            v = value / size
            return f"{v:.0f}{unit}/s" if v >= 10 else f"{v:.1f}{unit}/s"
    return f"{value:.0f}B/s"


TOP_COLUMNS = (("name", "NAME"), ("cpu", "CPU"), ("cpu_req", "CPU REQ"), ("mem", "MEM"),
               ("mem_req", "MEM REQ"), ("restarts", "RESTARTS"), ("net", "NET"), ("trend", "TREND"),
               ("age", "AGE"))


def top_cells(line: TopLine, sources: Mapping[str, MetricSource], sort: str, now: float,
              palette: Palette) -> tuple[Text, ...]:
    r, source = line.row, sources.get(line.row.cluster)
    stale = is_stale(r, source, now)

    def used(kind: str, value: float | None) -> Text:
        if value is None:
            return Text("req only", style=palette.muted)
        return Text(_fmt(kind, value), style=palette.stale if stale else "")

    def req(kind: str, value: float, alloc: float) -> Text:
        text = Text(_fmt(kind, value))
        if alloc:
            text.append(f"/{_fmt(kind, alloc)}", style=palette.muted)
        return text

    def other(value: float | None, text: str) -> Text:
        # a node has neither (kube-state-metrics' restarts carry no node); a cluster
        # without Prometheus has nothing; one whose cAdvisor reports no network: n/a
        if value is not None:
            return Text(text, style=palette.stale if stale else "")
        return Text("-" if r.scope == "node" or line.cpu_m is None else "n/a", style=palette.muted)

    col = SORT_COLUMN.get(sort, "cpu")
    return (
        Text(line.label),
        used("cpu", line.cpu_m),
        req("cpu", r.cpu_req_m, r.cpu_alloc_m),
        used("mem", line.mem_b),
        req("mem", r.mem_req_b, r.mem_alloc_b),
        other(line.restarts, f"{line.restarts:.0f}" if line.restarts is not None else ""),
        other(line.net_bps, fmt_bps(line.net_bps) if line.net_bps is not None else ""),
        Text(sparkline(line.series.column(col), 12, low=None), style=palette.muted),
        Text(fmt_age(r.age(now)), style=palette.stale if stale else palette.muted),
    )


PLOT_UNITS = {"cpu": ("CPU cores", 1000.0), "mem": ("memory GiB", float(2**30)),
              "restarts": ("restarts per step", 1.0), "net": ("network KiB/s", 1024.0)}


def plot_points(line: TopLine, kind: str, now: float) -> dict[str, tuple[list[float], list[float]]]:
    """The plot's lines for one row: used and requested over the range (CPU, memory), or
    restarts or network alone; x in minutes before now, y in PLOT_UNITS."""
    scale = PLOT_UNITS[kind][1]
    times = [(t - now) / 60.0 for t in line.series.times()]
    out = {}
    # allocatable is left out: a line at the top would flatten the two that move
    lines = ((("used", kind), ("requested", f"{kind}_req")) if kind in ("cpu", "mem")
             else ((("restarts" if kind == "restarts" else "network"), kind),))
    for label, col in lines:
        pts = [(x, v / scale) for x, v in zip(times, line.series.column(col), strict=True) if v is not None]
        if pts:
            out[label] = ([p[0] for p in pts], [p[1] for p in pts])
    return out


# -- cost ------------------------------------------------------------------

COST_COLUMNS = (("name", "NAME"), ("cpu", "CPU"), ("mem", "MEMORY"), ("fixed", "FIXED"),
                ("idle", "IDLE"), ("total", "TOTAL"), ("bar", "SHARE"), ("prices", "PRICES"))


def money(value: float) -> str:
    """Prices are in whatever currency the fleet file gives: a number, no symbol."""
    return f"{value:,.2f}" if value >= 1 else f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def bar(value: float, top: float, width: int) -> str:
    """A horizontal bar in eighths of a cell, so small differences still show; a value
    above `top` fills the width and no more."""
    if top <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = round(min(value, top) / top * width * 8)
    full, part = divmod(max(1, eighths), 8)
    return "█" * full + ("▏▎▍▌▋▊▉"[part - 1] if part else "")


def cost_label(line: CostLine) -> str:
    if line.name == IDLE:
        return f"{line.cluster}/(idle)"
    return line.cluster if not line.name else f"{line.cluster}/{line.name}"


def cost_cells(line: CostLine, top: float, palette: Palette, *, bar_width: int = 10) -> tuple[Text, ...]:
    idle_line = line.name == IDLE
    placeholder = "placeholder" in line.price_source
    return (
        Text(cost_label(line), style=palette.muted if idle_line else ""),
        Text(money(line.cpu_cost)),
        Text(money(line.memory_cost)),
        Text(money(line.fixed_cost) if line.fixed_cost else "-", style=palette.muted),
        Text(money(line.idle_cost) if line.idle_cost else "-", style=palette.degraded if line.idle_cost else ""),
        Text(money(line.total), style="bold"),
        Text(bar(line.total, top, bar_width), style=palette.muted if idle_line else ""),
        Text(line.price_source + ("!" if placeholder else ""), style=palette.stale if placeholder else palette.muted),
    )


def trend_text(trend: Sequence[tuple[float, float]], palette: Palette, width: int = 24) -> Text:
    out = Text("trend ", style=palette.muted)
    out.append(sparkline([v for _, v in trend], width))
    return out


# -- the cluster screen: usage beside each node's and namespace's requests -------------

USAGE_COLUMNS = (("cpu_use", "CPU USED"), ("mem_use", "MEM USED"))


def with_usage(columns: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """`columns` with CPU USED after "cpu" and MEM USED after "mem" (at the end, with the
    requests beside them, where the table has no such column)."""
    out: list[tuple[str, str]] = []
    for key, label in columns:
        out.append((key, label))
        if key in ("cpu", "mem"):
            out.append(USAGE_COLUMNS[0] if key == "cpu" else USAGE_COLUMNS[1])
    if not any(k == "cpu" for k, _ in columns):
        out += [("cpu_use", "CPU USED"), ("cpu_req", "CPU REQ"), ("mem_use", "MEM USED"), ("mem_req", "MEM REQ")]
    return tuple(out)


def usage_cells(columns: Sequence[tuple[str, str]], cells: Sequence[Text], row: UsageRow | None,
                source: MetricSource | None, now: float, palette: Palette) -> tuple[Text, ...]:
    """`cells` (for `columns`) with the usage cells `with_usage(columns)` adds."""
    out: list[Text] = []
    for (key, _), cell in zip(columns, cells, strict=True):
        out.append(cell)
        if key in ("cpu", "mem"):
            out.append(usage_cell(row, source, key, now, palette))
    if not any(k == "cpu" for k, _ in columns):
        def req(kind: str) -> Text:
            if row is None:
                return Text("-", style=palette.muted)
            return Text(_fmt(kind, row.cpu_req_m if kind == "cpu" else row.mem_req_b))
        out += [usage_cell(row, source, "cpu", now, palette), req("cpu"),
                usage_cell(row, source, "mem", now, palette), req("mem")]
    return tuple(out)
