"""The cluster screen (Enter on a cluster): nodes, namespaces, unhealthy workloads,
recent Warning events. It re-reads the store on the same change notifications as
the panes, so it stays live while open; Esc goes back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane

from fleettui.store import ClusterDetail, Store
from fleettui.store.metrics import MetricSource, MetricsStore, UsageRow
from fleettui.tui.metrics_renderers import usage_cells, with_usage
from fleettui.tui.renderers import (
    EVENT_COLUMNS,
    NAMESPACE_COLUMNS,
    NODE_COLUMNS,
    WORKLOAD_COLUMNS,
    Palette,
    event_cells,
    fmt_age,
    health_text,
    namespace_cells,
    node_cells,
    workload_cells,
)
from fleettui.tui.screens.detail import DetailFetch, DetailScreen
from fleettui.tui.widgets.diff_table import DiffTable
from fleettui.tui.widgets.footer import FleetFooter


def cluster_heading(detail: ClusterDetail | None, name: str, now: float, palette: Palette) -> Text:
    if detail is None:
        return Text(f"cluster {name}: not in the cache (removed from the fleet?)", style=palette.stale)
    c = detail.cluster
    out = Text.assemble(("cluster ", palette.muted), (c.name, "bold"), "  ")
    out.append_text(health_text(c.health, palette))
    where = " / ".join(p for p in (c.provider, c.region, c.zone) if p)
    if where:
        out.append(f"  {where}", style=palette.muted)
    # second line: the numbers (one line each keeps the heading readable at 80 columns)
    out.append(f"\n{c.version or 'version ?'}  nodes {c.nodes_ready}/{c.nodes_total}"
               f"  pods {c.pods_running} running")
    if c.reachable is False:
        why = c.last_error or "no answer"
        if why.lower().startswith("unreachable"):
            why = why.split(":", 1)[-1].strip() or "no answer"
        seen = "never seen" if c.last_seen is None else f"last seen {fmt_age(c.age(now))} ago; showing cached data"
        out.append(f"\nunreachable: {why} ({seen})", style=palette.stale)
    else:
        if c.latency_ms is not None:
            out.append(f"  {c.latency_ms:.0f} ms", style=palette.muted)
        if c.last_error:
            # answering, but something cannot be read (a 403 on some kinds, broken watches)
            out.append(f"\nerrors: {c.last_error}", style=palette.stale)
    return out


@dataclass(frozen=True)
class ClusterUsage:
    """The metrics cache's rows for one cluster's nodes and namespaces, by name."""

    nodes: dict[str, UsageRow] = field(default_factory=dict)
    namespaces: dict[str, UsageRow] = field(default_factory=dict)
    source: MetricSource | None = None


NODE_USAGE_COLUMNS = with_usage(NODE_COLUMNS)
NAMESPACE_USAGE_COLUMNS = with_usage(NAMESPACE_COLUMNS)


class ClusterScreen(DetailScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    @dataclass
    class Opened(Message):
        """This cluster is on screen: in a fleet too large to watch every cluster, the
        sync should watch it (docs/scale.md)."""

        cluster: str

    @dataclass
    class Closed(Message):
        """This cluster left the screen: the sync may go back to polling it."""

        cluster: str

    def __init__(self, cluster: str) -> None:
        super().__init__(classes="cluster-screen")  # no id: see DetailScreen
        self.cluster = cluster

    # Mount and unmount, whichever way the screen came and went (Enter on a row, the
    # palette, Esc, a pane key, a jump): one place, so no path leaves a stale focus.
    def on_mount(self) -> None:
        self.app.post_message(self.Opened(self.cluster))

    def on_unmount(self) -> None:
        self.app.post_message(self.Closed(self.cluster))

    def compose(self) -> ComposeResult:
        yield Static(id="cluster-heading")
        with TabbedContent(id="cluster-tabs"):
            with TabPane("Nodes", id="tab-nodes"):
                yield DiffTable(NODE_USAGE_COLUMNS, id="cluster-nodes")
            with TabPane("Namespaces", id="tab-namespaces"):
                yield DiffTable(NAMESPACE_USAGE_COLUMNS, id="cluster-namespaces")
            with TabPane("Unhealthy", id="tab-unhealthy"):
                yield DiffTable(WORKLOAD_COLUMNS, id="cluster-unhealthy")
            with TabPane("Events", id="tab-events"):
                yield DiffTable(EVENT_COLUMNS, id="cluster-events")
        yield FleetFooter()

    def make_fetch(self) -> DetailFetch:
        name = self.cluster

        async def fetch(store: Store) -> tuple[ClusterDetail | None, ClusterUsage]:
            metrics = MetricsStore(store)
            usage = ClusterUsage(
                {u.name: u for u in await metrics.usage("node", cluster=name)},
                {u.name: u for u in await metrics.usage("namespace", cluster=name)},
                (await metrics.sources()).get(name))
            return await store.cluster_detail(name), usage

        return fetch

    def show(self, data: tuple[ClusterDetail | None, ClusterUsage], now: float, palette: Palette) -> None:
        detail, usage = data
        self.query_one("#cluster-heading", Static).update(
            cluster_heading(detail, self.cluster, now, palette))
        if detail is None:
            return
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-unhealthy").label = f"Unhealthy ({len(detail.unhealthy_workloads)})"
        tabs.get_tab("tab-events").label = f"Events ({len(detail.warning_events)})"
        tabs.get_tab("tab-nodes").label = f"Nodes ({len(detail.nodes)})"
        tabs.get_tab("tab-namespaces").label = f"Namespaces ({len(detail.namespaces)})"
        self.query_one("#cluster-nodes", DiffTable).apply_rows(
            [(n.key, usage_cells(NODE_COLUMNS, node_cells(n, palette), usage.nodes.get(n.name), usage.source,
                                 now, palette)) for n in detail.nodes])
        self.query_one("#cluster-namespaces", DiffTable).apply_rows(
            [(n.key, usage_cells(NAMESPACE_COLUMNS, namespace_cells(n, palette), usage.namespaces.get(n.name),
                                 usage.source, now, palette)) for n in detail.namespaces])
        self.query_one("#cluster-unhealthy", DiffTable).apply_rows(
            [(w.key, workload_cells(w, palette)) for w in detail.unhealthy_workloads])
        self.query_one("#cluster-events", DiffTable).apply_rows(
            [(e.key, event_cells(e, now, palette)) for e in detail.warning_events])

    TABS = ("tab-nodes", "tab-namespaces", "tab-unhealthy", "tab-events")
