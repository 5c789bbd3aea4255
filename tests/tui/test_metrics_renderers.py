"""The usage, global-view and cost renderers: expected cells computed from the rows the
test builds."""

from __future__ import annotations

from fleettui.metrics.cost import IDLE, CostLine
from fleettui.metrics.view import MetricsView
from fleettui.store.metrics import MetricSource, Series, UsageRow
from fleettui.tui.metrics_renderers import (
    bar,
    cost_cells,
    sparkline,
    top_lines,
    usage_cell,
    usage_cells,
    with_usage,
)
from fleettui.tui.renderers import NAMESPACE_COLUMNS, NODE_COLUMNS, PLAIN, Palette

NOW = 1_800_000_000.0


def usage(name="a", *, scope="cluster", cpu=None, fetched=NOW - 10, step=60.0, n=60, cpu_req=1000.0,
          cpu_alloc=8000.0, used=True) -> UsageRow:
    values = cpu if cpu is not None else [float(100 + 10 * i) for i in range(n)]
    cols = {"cpu_req": [cpu_req] * len(values), "cpu_alloc": [cpu_alloc] * len(values)}
    if used:
        cols.update(cpu=values, mem=[float(2**30)] * len(values))
    t0 = fetched - (len(values) - 1) * step
    return UsageRow("c1" if scope != "cluster" else name, scope, "" if scope == "cluster" else name,
                    values[-1] if used else None, float(2**30) if used else None, cpu_req, float(2**31),
                    cpu_alloc, float(2**33), fetched, Series(t0, step, cols))


def source(cluster="a", prometheus="http://p:9090", error=None) -> MetricSource:
    return MetricSource(cluster, prometheus, NOW - 10, NOW - 10, error)


def test_sparkline_scales_from_zero_or_by_shape_and_keeps_unknown_blank():
    assert sparkline([0.0, 4.0, 8.0], 3) == "▁▄█"
    assert sparkline([4.0, 4.0], 2, top=8.0) == "▄▄"  # half of the capacity reads as half
    assert sparkline([10.0, 11.0, 12.0], 3, low=None) == "▁▄█"  # the shape, from the min
    assert sparkline([1.0, None, 2.0], 3) == "▄ █"  # unknown is not zero
    assert sparkline([1.0, 3.0, 5.0, 7.0], 2) == "▃█"  # each cell the mean of its points
    assert sparkline([], 4) == "" and sparkline([1.0], 0) == ""
    assert sparkline([5.0, 5.0], 2, low=None) == "▄▄"  # flat, shape-scaled: the middle


def test_usage_cell_share_of_allocatable_sparkline_req_only_and_age():
    row = usage(cpu=[float(v) for v in range(100, 1300, 20)])  # 60 points, last 1280m of 8000m
    cell = usage_cell(row, source(), "cpu", NOW, PLAIN)
    assert cell.plain == "16% ▁▃▆█"  # 1280/8000, then the last hour, rising
    no_prom = usage(used=False)
    assert usage_cell(no_prom, source(prometheus=None), "cpu", NOW, PLAIN).plain == "req only"
    stale = usage(fetched=NOW - 1200)
    cell = usage_cell(stale, source(error="unreachable"), "cpu", NOW, Palette(stale="yellow"))
    assert cell.plain.endswith(" 20m") and all(s.style == "yellow" for s in cell.spans)
    # a namespace has no allocatable: the amount itself
    ns = usage("shop", scope="namespace", cpu=[500.0] * 3, cpu_alloc=0.0)
    assert usage_cell(ns, source("c1"), "cpu", NOW, PLAIN).plain.startswith("0.5c")
    assert usage_cell(None, None, "cpu", NOW, PLAIN).plain == "-"
    # a cluster with a Prometheus that has no value for it yet: unknown, not "req only" nor 0%
    assert usage_cell(usage(used=False), source(), "cpu", NOW, PLAIN).plain == "-"


def test_top_lines_average_over_the_range_and_rank_requests_only_last():
    # a: 60 points 100..690m; b: flat 500m; c: no Prometheus, large requests
    a = usage("a")
    b = usage("b", cpu=[500.0] * 60)
    c = usage("c", used=False, cpu_req=7000.0)
    view = MetricsView({"cluster": [c, b, a]})
    last15 = top_lines(view, "cluster", 900, NOW, sort="cpu")
    # the last 15 minutes of `a`: points 45..59 (t > now-10-900 .. now-10) -> mean of 550..690
    assert [t.row.cluster for t in last15] == ["a", "b", "c"]
    assert last15[0].cpu_m == sum(100 + 10 * i for i in range(45, 60)) / 15
    hour = top_lines(view, "cluster", 3600, NOW, sort="cpu")
    # over the hour a's mean (395m) is below b's flat 500m: the range changes the ranking
    assert [t.row.cluster for t in hour] == ["b", "a", "c"]
    assert hour[1].cpu_m == sum(100 + 10 * i for i in range(60)) / 60
    assert hour[-1].cpu_m is None  # requests only: ranked after every measured row
    assert [t.row.cluster for t in top_lines(view, "cluster", 900, NOW, limit=1)] == ["a"]


def test_cost_cells_bar_idle_and_placeholder_mark():
    line = CostLine("a", "", cpu_cost=1.5, memory_cost=0.5, idle_cost=0.25, price_source="placeholder")
    cells = [c.plain for c in cost_cells(line, top=4.0, palette=PLAIN, bar_width=8)]
    assert cells == ["a", "1.50", "0.5", "-", "0.25", "2.00", "████", "placeholder!"]
    idle = CostLine("a", IDLE, cpu_cost=1.0, price_source="prices")
    assert cost_cells(idle, 4.0, PLAIN)[0].plain == "a/(idle)"
    assert bar(1.0, 8.0, 1) == "▏" and bar(0.0, 8.0, 4) == "" and bar(3.0, 4.0, 2) == "█▌"
    assert bar(9.0, 4.0, 3) == "███"  # an idle line larger than every allocation: cut at the width


def test_usage_columns_sit_beside_the_requests():
    keys = [k for k, _ in with_usage(NODE_COLUMNS)]
    assert keys[keys.index("cpu") + 1] == "cpu_use" and keys[keys.index("mem") + 1] == "mem_use"
    ns_keys = [k for k, _ in with_usage(NAMESPACE_COLUMNS)]
    assert ns_keys[-4:] == ["cpu_use", "cpu_req", "mem_use", "mem_req"]
    from rich.text import Text
    row = usage("shop", scope="namespace", cpu=[250.0] * 3, cpu_alloc=0.0, cpu_req=500.0)
    cells = usage_cells(NAMESPACE_COLUMNS, [Text(str(i)) for i in range(len(NAMESPACE_COLUMNS))], row,
                        source("c1"), NOW, PLAIN)
    assert len(cells) == len(ns_keys)
    assert cells[-4].plain.startswith("0.2c") and cells[-3].plain == "0.5c" and cells[-1].plain == "2.0Gi"


def test_in_range_is_the_window_by_arithmetic():
    from fleettui.tui.metrics_renderers import in_range

    s = usage("a", cpu=[float(i) for i in range(30)]).series
    for start, end in ((NOW - 600, NOW), (NOW - 10_000, NOW), (NOW - 600, NOW - 300), (NOW + 5, NOW + 60)):
        w, r = s.window(start, end), in_range(s, start, end)
        assert (w.t0, w.cols) == (r.t0, r.cols) or (len(w) == len(r) == 0)
