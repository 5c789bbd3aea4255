"""The metrics pane (the fleet's global view): top-N by CPU, memory, restarts or network
across every cluster, by cluster, namespace, workload, application or node, over a range,
with a plot of the selected row; a cost view of the same range; and an ad-hoc PromQL prompt.

Top-N and cost read only the cache (`metrics.view`), so they open instantly with the
last numbers and their age while a Prometheus is down. The prompt is the one part that
asks the Prometheus servers now: in a worker, through `metrics.adhoc`, whose answer
comes back as a message.
"""

from __future__ import annotations

import csv
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual_plotext import PlotextPlot

from fleettui.metrics import adhoc, view
from fleettui.metrics.cost import IDLE, CostLine, CostReport
from fleettui.prom import targets_from_fleet
from fleettui.store import Store
from fleettui.tui.actions import ActionSpec, bindings
from fleettui.tui.metrics_renderers import (
    COST_COLUMNS,
    GROUPINGS,
    PLOT_UNITS,
    RANGES,
    SORTS,
    TOP_COLUMNS,
    TopLine,
    cost_cells,
    plot_points,
    top_cells,
    top_lines,
    trend_text,
)
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette, fit_columns
from fleettui.tui.screens.save_prompt import SavePrompt
from fleettui.tui.widgets.diff_table import DiffTable

METRICS_ACTIONS = (
    ActionSpec("g", "cycle_group", "Group", "group by cluster, namespace, workload, application, node"),
    ActionSpec("t", "cycle_range", "Range", "time range: 15m, 1h, 6h, 24h"),
    ActionSpec("s", "cycle_sort", "Sort", "rank by CPU, memory, restarts or network"),
    ActionSpec("c", "toggle_cost", "Cost", "cost view: per cluster, namespace or application, idle, trend"),
    ActionSpec("p", "prompt", "PromQL", "run a PromQL query on every cluster's Prometheus (now)"),
    ActionSpec("P", "prompt(True)", "PromQL range", "the same over the range, with a plot", show=False),
    ActionSpec("x", "export_csv", "Export", "cost view: write it as CSV (asks for the path)"),
)
QUERY_COLUMNS = (("cluster", "CLUSTER"), ("series", "SERIES"), ("value", "VALUE"))
COST_GROUPINGS = ("cluster", "namespace", "app")
# which columns give way first in a narrow terminal
# (top: the column ranked by goes right after the name, so a narrow screen still shows it)
PRIORITY = {"top": ("name", "cpu", "mem", "cpu_req", "mem_req", "age", "restarts", "net", "trend"),
            "cost": ("name", "total", "bar", "idle", "cpu", "mem", "prices", "fixed")}
TOP_LIMIT = 25


class MetricsPane(Pane):
    pane_id = "metrics"
    title = "Metrics"

    ACTIONS = METRICS_ACTIONS
    BINDINGS = [*bindings(METRICS_ACTIONS), Binding("escape", "escape", "Close", show=False)]

    @dataclass
    class QueryAnswered(Message):
        """The prompt's query came back (or failed): shown by the pane, on the UI side."""

        result: adhoc.QueryResult

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = "top"  # top | cost | query
        self.group = "cluster"
        self.range = "1h"
        self.sort = "cpu"
        self._view = view.MetricsView()
        self._now = 0.0
        self._palette = Palette()
        self._lines: list[TopLine] = []
        self._cost: CostReport | None = None
        self._query: adhoc.QueryResult | None = None
        self._querying = False
        # what the prompt has to say (asking…, a bad query): kept over the pane's own note by
        # the periodic redraw until the prompt closes or answers
        self._prompt_note: Text | None = None
        self._prompt_range = False
        self.plotted: str | None = None  # the row key the plot shows

    def compose(self) -> ComposeResult:
        yield Static(id="metrics-info", classes="pane-info")
        yield DiffTable(TOP_COLUMNS, id="metrics-top", fixed_columns=1)
        yield DiffTable(COST_COLUMNS, id="metrics-cost", fixed_columns=1)
        yield DiffTable(QUERY_COLUMNS, id="metrics-query", fixed_columns=1)
        yield PlotextPlot(id="metrics-plot")
        yield Static(id="metrics-note")
        yield Input(id="metrics-prompt")

    # -- widgets --

    def _table(self, mode: str) -> DiffTable:
        return self.query_one(f"#metrics-{mode}", DiffTable)

    @property
    def table(self) -> DiffTable:
        return self._table(self.mode)

    @property
    def prompt(self) -> Input:
        return self.query_one("#metrics-prompt", Input)

    @property
    def plot(self) -> PlotextPlot:
        return self.query_one("#metrics-plot", PlotextPlot)

    def on_mount(self) -> None:
        self._show_mode()

    # -- data --

    @staticmethod
    async def fetch(store: Store) -> view.MetricsView:
        return await view.load(store)

    def scopes(self) -> tuple[str, ...]:
        """The cache's scopes what is on screen needs: a day of series for every node,
        namespace and application of a fleet is too much to parse on every refresh."""
        if self.mode == "cost":
            return ("cluster", "namespace", "app") if self._cost_by() == "app" else ("cluster", "namespace")
        return (self.group,)

    def make_fetch(self) -> Callable[[Store], Awaitable[view.MetricsView]]:
        scopes = self.scopes()

        async def fetch(store: Store) -> view.MetricsView:
            return await view.load(store, scopes)

        return fetch

    def _need(self) -> bool:
        """True (and a refresh asked for) when the data on hand lacks a scope now needed."""
        missing = [s for s in self.scopes() if s not in self._view.usage]
        if missing and self.is_mounted:
            self.app.action_refresh_now()
        return bool(missing)

    @property
    def _fleet(self) -> Any:
        return getattr(self.app, "pane_options", {}).get("fleet")

    def show(self, data: view.MetricsView, now: float, palette: Palette) -> None:
        self._view, self._now, self._palette = data, now, palette
        self._redraw()

    def _redraw(self) -> None:
        if self._need():
            self.query_one("#metrics-note", Static).update(Text("reading the cache…", style=self._palette.muted))
            self._info()
            return
        seconds = RANGES[self.range]
        if self.mode == "cost":
            by = self.group if self.group in COST_GROUPINGS else "cluster"
            steps = [r.series.step for r in self._view.rows("cluster") if len(r.series)] or [60.0]
            # no more buckets than points: a bucket without a point would read as free
            buckets = max(1, min(24, int(seconds // min(steps))))
            self._cost = view.cost_report(self._view, self._fleet, by, start=self._now - seconds, end=self._now,
                                          buckets=buckets)
            lines = cost_order(self._cost)
            # bars against the largest allocation: an idle line longer than that is cut at the width
            top = max((c.total for c in lines if c.name != IDLE), default=0.0) or max(
                (c.total for c in lines), default=0.0)
            self._apply("cost", [(f"{c.cluster}/{c.name}", cost_cells(c, top, self._palette)) for c in lines])
            note = Text(f"{self.range} by {by}  total {self._cost.total:,.2f}  ")
            note.append_text(trend_text(self._cost.trend, self._palette))
            if any("placeholder" in c.price_source for c in lines):
                note.append("\n!: placeholder prices, not real ones (set `prices:` in the fleet file)",
                            style=self._palette.stale)
            self._note(note)
            self._plot_cost()
        elif self.mode == "top":
            self._lines = top_lines(self._view, self.group, seconds, self._now, sort=self.sort, limit=TOP_LIMIT)
            self._apply("top", [(t.key, top_cells(t, self._view.sources, self.sort, self._now, self._palette))
                                for t in self._lines])
            note = Text(f"{self.range} by {self.group}, {self.sort}  ")
            note.append_text(self._sources_note())
            if self.sort == "net" and self.group != "node":
                # measured clusters whose Prometheus has no cAdvisor network series
                rows = self._view.rows(self.group)
                measured = {r.cluster for r in rows if r.cpu_used_m is not None}
                quiet = sorted(measured - {r.cluster for r in rows if "net" in r.series.cols})
                if quiet:
                    note.append(f"\nno network series: {', '.join(quiet)}", style=self._palette.muted)
            self._note(note)
            self._plot_selected()
        self._info()

    def _note(self, text: Text) -> None:
        """The pane's own line, unless the open prompt has something to say (a refresh every
        few seconds must not wipe a bad query's message while the user fixes it)."""
        shown = self._prompt_note if self._prompt_note is not None and self.prompt.has_class("visible") else text
        self.query_one("#metrics-note", Static).update(shown)

    def _apply(self, mode: str, rows: list[tuple[str, tuple[Text, ...]]]) -> None:
        """The rows, with only the columns that fit the width (as the clusters pane does)."""
        table = self._table(mode)
        columns = COST_COLUMNS if mode == "cost" else TOP_COLUMNS
        room = table.size.width - table.styles.scrollbar_size_vertical
        priority = PRIORITY[mode]
        if mode == "top":
            priority = ("name", self.sort, *(c for c in priority if c not in ("name", self.sort)))
        shown = fit_columns(columns, [c for _, c in rows], room if table.size.width else 0, priority)
        table.show_columns(shown)
        picks = [[k for k, _ in columns].index(k) for k in shown]
        table.apply_rows([(key, tuple(cells[i] for i in picks)) for key, cells in rows])

    def on_resize(self) -> None:
        if self.mode != "query":
            self._redraw()

    def _sources_note(self) -> Text:
        out = Text()
        requests_only = sorted(c for c, s in self._view.sources.items() if s.requests_only)
        failing = sorted(c for c, s in self._view.sources.items() if s.error and not s.requests_only)
        if requests_only:
            out.append(f"no Prometheus (requests only): {', '.join(requests_only)}", style=self._palette.muted)
        if failing:
            out.append("\n" if requests_only else "")
            out.append(f"last pull failed, cached numbers shown: {', '.join(failing)}", style=self._palette.stale)
        if not self._view.sources:
            out.append("no metrics in the cache yet: run `fleettui metrics sync`", style=self._palette.muted)
        return out

    def _info(self) -> None:
        info = {"top": f"top {self.sort}/{self.group} {self.range}",
                "cost": f"cost/{self._cost_by()} {self.range}", "query": "PromQL"}[self.mode]
        if self.mode == "query" and self._query is not None:
            info = f"PromQL: {self._query.promql}  {len(self._query.records)} series"
        self.query_one("#metrics-info", Static).update(self.info_line(info))

    def _cost_by(self) -> str:
        return self.group if self.group in COST_GROUPINGS else "cluster"

    # -- the plot --

    def _plot_selected(self) -> None:
        key = self.table.current_key
        line = next((t for t in self._lines if t.key == key), self._lines[0] if self._lines else None)
        plt = self.plot.plt
        plt.clear_data()
        plt.clear_figure()
        kind = self.sort
        self.plotted = line.key if line is not None else None
        if line is None:
            plt.title("no metrics in the cache")
        else:
            plt.title(f"{line.label}: {PLOT_UNITS[kind][0]}, last {self.range}")
            for label, (xs, ys) in plot_points(line, kind, self._now).items():
                plt.plot(xs, ys, label=label, marker="braille")
            _time_ticks(plt, [(t - self._now) / 60.0 for t in line.series.times()], "m")
        self.plot.refresh()

    def _plot_cost(self) -> None:
        plt = self.plot.plt
        plt.clear_data()
        plt.clear_figure()
        if self._cost is not None and self._cost.trend:
            hours = [(t - self._now) / 3600.0 for t, _ in self._cost.trend]
            plt.bar(hours, [v for _, v in self._cost.trend], width=0.6)
            _time_ticks(plt, hours, "h")
            plt.title(f"allocated cost per bucket, last {self.range}")
        self.plot.refresh()

    def _plot_query(self) -> None:
        plt = self.plot.plt
        plt.clear_data()
        plt.clear_figure()
        key = self.table.current_key
        rec = next((r for r in (self._query.records if self._query else []) if _query_key(r) == key), None)
        if rec is not None and rec.get("points"):
            xs = [(t - self._now) / 60.0 for t, _ in rec["points"]]
            plt.plot(xs, [v for _, v in rec["points"]], marker="braille", label=rec["cluster"])
            _time_ticks(plt, xs, "m")
            plt.title(f"{rec['cluster']} {rec['series']}")
        self.plot.refresh()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.mode == "top":
            self._plot_selected()
        elif self.mode == "query":
            self._plot_query()

    # -- keys --

    def _show_mode(self) -> None:
        for mode in ("top", "cost", "query"):
            self._table(mode).display = mode == self.mode

    def action_cycle_group(self) -> None:
        choices = GROUPINGS if self.mode != "cost" else COST_GROUPINGS
        i = choices.index(self.group) if self.group in choices else -1
        self.group = choices[(i + 1) % len(choices)]
        if self.mode == "query":
            self.mode = "top"
            self._show_mode()
        self._redraw()

    def action_cycle_range(self) -> None:
        keys = list(RANGES)
        self.range = keys[(keys.index(self.range) + 1) % len(keys)]
        self._redraw()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._redraw()

    def action_toggle_cost(self) -> None:
        self.mode = "top" if self.mode == "cost" else "cost"
        self._show_mode()
        self._redraw()
        self.table.focus()

    def action_prompt(self, over_range: bool = False) -> None:
        self._prompt_range = over_range
        self.prompt.placeholder = (f"PromQL over the last {self.range} on every cluster's Prometheus"
                                   if over_range else "PromQL, run now on every cluster's Prometheus")
        self.prompt.add_class("visible")
        self.prompt.focus()

    def action_escape(self) -> None:
        if not self.close_prompt():
            self.app.action_back()

    @on(Input.Submitted, "#metrics-prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        promql = event.value.strip()
        if not promql or self._querying:
            return
        fleet = self._fleet
        targets = targets_from_fleet(fleet.clusters.values()) if fleet is not None else []
        if not targets:
            self.query_one("#metrics-note", Static).update(Text(
                "no cluster has a Prometheus in the fleet file (`prometheus:`)", style=self._palette.stale))
            return
        self._querying = True
        self._prompt_note = Text(f"asking {len(targets)} Prometheus servers…")
        self.query_one("#metrics-note", Static).update(self._prompt_note)
        self._run_query(targets, promql, RANGES[self.range] if self._prompt_range else None)

    def _run_query(self, targets: list[Any], promql: str, range_seconds: float | None) -> None:
        async def ask() -> None:
            try:
                result = await adhoc.run(targets, promql, range_seconds=range_seconds, now=self._now or None)
            except Exception as exc:  # said on screen like a bad query: the prompt stays
                result = adhoc.QueryResult(promql, bad_query=f"{type(exc).__name__}: {exc}")
            self.post_message(self.QueryAnswered(result))

        self.run_worker(ask(), group="metrics-query", exclusive=True, exit_on_error=False,
                        name="the PromQL query")

    @on(QueryAnswered)
    def _answered(self, event: QueryAnswered) -> None:
        self._querying = False
        result = event.result
        note = self.query_one("#metrics-note", Static)
        if result.bad_query is not None:
            # Prometheus' own words, with the position; the text stays in the prompt to fix
            self._prompt_note = Text(f"bad query: {result.bad_query}", style=self._palette.unhealthy)
            note.update(self._prompt_note)
            self.prompt.add_class("visible")
            self.prompt.focus()
            return
        self._prompt_note = None
        self._query, self.mode = result, "query"
        self._show_mode()
        ranged = result.range_seconds is not None
        rows = []
        for r in result.records:
            value = r.get("last") if ranged else r.get("value")
            rows.append((_query_key(r), (Text(r["cluster"]), Text(r["series"]),
                                         Text("-" if value is None else f"{float(value):.4g}"))))
        self._table("query").apply_rows(rows)
        text = Text(f"{len(result.records)} series from {len({r['cluster'] for r in result.records})} clusters")
        if result.missing:
            text.append("  no answer from: " + ", ".join(f"{c} ({why})" for c, why in sorted(result.missing.items())),
                        style=self._palette.stale)
        note.update(text)
        self.prompt.remove_class("visible")
        self._prompt_note = None
        self._table("query").focus()
        self._plot_query()
        self._info()

    def close_prompt(self) -> bool:
        """Esc while the prompt is open closes it (its text kept for next time)."""
        if not self.prompt.has_class("visible"):
            return False
        self.prompt.remove_class("visible")
        self._prompt_note = None
        self.table.focus()
        return True

    def action_export_csv(self) -> None:
        if self.mode != "cost" or self._cost is None:
            self.app.notify("export writes the cost view: press c first", severity="warning")
            return
        report = self._cost
        default = f"fleettui-cost-{report.by}-{self.range}.csv"

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            try:
                write_cost_csv(report, path)
            except OSError as exc:
                self.app.notify(f"{path}: {exc.strerror or exc}", title="export failed", severity="error")
                return
            self.app.notify(f"cost per {report.by} over {self.range} written to {path}", title="exported")

        self.app.push_screen(SavePrompt(f"Write the cost per {report.by} ({self.range}) as CSV to", value=default),
                             chosen)

    def focus_table(self) -> None:
        self.table.focus()


def _time_ticks(plt: Any, xs: list[float], unit: str, count: int = 5) -> None:
    """Round labels ("-45m") instead of plotext's floats with sixteen digits."""
    if not xs:
        return
    lo, hi = min(xs), max(xs)
    ticks = [lo + (hi - lo) * i / (count - 1) for i in range(count)] if hi > lo else [lo]
    plt.xticks(ticks, [f"{t:.0f}{unit}" if abs(t) >= 10 or t == 0 else f"{t:.1f}{unit}" for t in ticks])


def _query_key(record: dict[str, Any]) -> str:
    return f"{record['cluster']}{record['series']}"


def cost_order(report: CostReport) -> list[CostLine]:
    """Largest first; the idle lines after every allocation, so the namespaces and
    applications are not pushed off the screen by what nobody uses."""
    return sorted(report.lines, key=lambda c: (c.name == IDLE, -c.total, c.cluster, c.name))


def write_cost_csv(report: CostReport, path: Path) -> None:
    records = [line.record() for line in cost_order(report)]
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        fields = list(records[0]) if records else ["cluster", "name", "total"]
        writer.writerow(fields)
        for r in records:
            writer.writerow(["" if r.get(k) is None else r.get(k) for k in fields])
