"""The clusters pane: one row per member cluster, sortable, filterable, updated by diff.

Membership actions on the hub (OCM accept, deny, taint, untaint, label, clusterset,
detach) are posted upward with the selected row; the app asks what it needs, confirms,
and runs the same `engine.membership` function the `fleettui cluster` command runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from fleettui.engine.selectors import selector_or_none
from fleettui.store import ClusterRow, Store
from fleettui.store.metrics import MetricSource, MetricsStore, UsageRow
from fleettui.tui.actions import ActionSpec, bindings
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import (
    CLUSTER_COLUMN_PRIORITY,
    CLUSTER_COLUMNS,
    CLUSTER_SORTS,
    Palette,
    cluster_cells,
    cluster_matches,
    fit_columns,
)
from fleettui.tui.widgets.diff_table import DiffTable

SORT_CYCLE = ("health", "name", "cpu", "mem", "seen", "region")

MEMBERSHIP_ACTIONS = (
    ActionSpec("a", "accept", "Accept", "accept the joining cluster on the hub: approve its agent's CSR, "
               "set hubAcceptsClient (as `clusteradm accept`)", write=True, show=False),
    ActionSpec("x", "deny", "Deny", "deny the joining cluster: its CSRs denied, hubAcceptsClient false (asks)",
               write=True, show=False),
    ActionSpec("t", "taint", "Taint", "taint its ManagedCluster (key, value, effect)", write=True, show=False),
    ActionSpec("u", "untaint", "Untaint", "remove one of its ManagedCluster's taints", write=True, show=False),
    ActionSpec("l", "hub_label", "Label", "label it on the hub: ManagedCluster and KubeVela cluster secret "
               "(KEY=VALUE sets, KEY- removes)", write=True, show=False),
    ActionSpec("c", "clusterset", "Clusterset", "put it in a ManagedClusterSet", write=True, show=False),
    ActionSpec("ctrl+d", "detach", "Detach", "detach it from the hub: says what stops being managed, asks",
               write=True, show=False),
    ActionSpec("h", "app.registration", "Registration", "the hub's registration: clustersets and members, "
               "placements and their decisions, pending CSRs", show=False),
)


@dataclass
class MembershipRequest(Message):
    """A membership action on the hub for one cluster; the app runs it."""

    verb: str  # accept | deny | taint | untaint | hub_label | clusterset | detach
    row: ClusterRow


@dataclass(frozen=True)
class ClustersData:
    clusters: list[ClusterRow]
    usage: dict[str, UsageRow] = field(default_factory=dict)  # the metrics cache's cluster rows
    sources: dict[str, MetricSource] = field(default_factory=dict)


class ClustersPane(Pane):
    pane_id = "clusters"
    title = "Clusters"

    ACTIONS = MEMBERSHIP_ACTIONS
    BINDINGS = [
        *bindings(MEMBERSHIP_ACTIONS),
        Binding("s", "cycle_sort", "Sort"),
        Binding("N", "sort('name')", "Sort by name", show=False),
        Binding("H", "sort('health')", "Sort by health", show=False),
        Binding("C", "sort('cpu')", "Sort by CPU", show=False),
        Binding("M", "sort('mem')", "Sort by memory", show=False),
        Binding("A", "sort('seen')", "Sort by last seen", show=False),
        Binding("R", "sort('region')", "Sort by region", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows: list[ClusterRow] = []
        self._usage: dict[str, UsageRow] = {}
        self._sources: dict[str, MetricSource] = {}
        self._now = 0.0
        self._palette = Palette()
        self.sort_by = "health"
        self.reverse = False
        self._needle = ""
        # cells of each row as last rendered, valid for this (rows, now, palette): a sort
        # or a filter keystroke re-renders nothing (1,000 rows cost ~0.4 s to render)
        self._cells: dict[int, tuple] = {}

    def compose(self) -> ComposeResult:
        yield Static(id="clusters-info", classes="pane-info")
        # NAME stays on screen when a narrow terminal scrolls the table sideways
        yield DiffTable(CLUSTER_COLUMNS, id="clusters-table", fixed_columns=1)

    @property
    def table(self) -> DiffTable:
        return self.query_one("#clusters-table", DiffTable)

    @staticmethod
    async def fetch(store: Store) -> ClustersData:
        metrics = MetricsStore(store)
        usage = {u.cluster: u for u in await metrics.usage("cluster")}
        return ClustersData(await store.clusters(), usage, await metrics.sources())

    def show(self, data: ClustersData, now: float, palette: Palette) -> None:
        self._rows, self._now, self._palette = data.clusters, now, palette
        self._usage, self._sources = data.usage, data.sources
        self._cells = {}
        self._redraw()

    def _cells_of(self, row: ClusterRow) -> tuple:
        cells = self._cells.get(id(row))
        if cells is None:
            cells = self._cells[id(row)] = cluster_cells(row, self._now, self._palette,
                                                         usage=self._usage.get(row.name),
                                                         source=self._sources.get(row.name))
        return cells

    def on_resize(self) -> None:
        if self._rows:
            self._redraw()

    def _redraw(self) -> None:
        key = CLUSTER_SORTS[self.sort_by]
        rows = sorted((r for r in self._rows if cluster_matches(r, self._needle)),
                      key=lambda r: key(r, self._now), reverse=self.reverse)
        cells = [self._cells_of(r) for r in rows]
        # the columns that fit this width, so NAME, HEALTH and the figures are on screen
        # without scrolling sideways; a vertical scrollbar's width is kept free
        table = self.table
        room = table.size.width - table.styles.scrollbar_size_vertical
        columns = CLUSTER_COLUMNS
        if not any(r.hub for r in self._rows):  # no OCM hub: the HUB column would say `-` only
            columns = tuple(c for c in CLUSTER_COLUMNS if c[0] != "hub")
            cells = [c[:len(columns)] for c in cells]  # HUB is the last column
        shown = fit_columns(columns, cells, room if table.size.width else 0, CLUSTER_COLUMN_PRIORITY)
        table.show_columns(shown)
        index = [key for key, _ in CLUSTER_COLUMNS]
        picks = [index.index(key) for key in shown]
        table.apply_rows([(r.key, tuple(c[i] for i in picks)) for r, c in zip(rows, cells, strict=True)])
        count = f"{len(rows)} of {len(self._rows)}" if self._needle else f"{len(rows)}"
        info = f"{count} clusters"
        joining = sum(1 for r in self._rows if r.hub and not r.hub.get("accepted", True))
        if joining:
            info += f"  {joining} awaiting acceptance (fleettui cluster pending)"
        info += f"  sort: {self.sort_by}{' (reversed)' if self.reverse else ''}"
        if self._needle:
            kind = " (label selector)" if selector_or_none(self._needle) else ""
            info += f"  filter: /{self._needle}{kind}"
        self.query_one("#clusters-info", Static).update(self.info_line(info))

    # -- filter and sort --

    def set_filter(self, text: str) -> None:
        self._needle = text.strip()
        self._redraw()

    @property
    def filter_text(self) -> str:
        return self._needle

    def action_sort(self, column: str) -> None:
        if column == self.sort_by:
            self.reverse = not self.reverse
        else:
            self.sort_by, self.reverse = column, False
        self._redraw()

    def action_cycle_sort(self) -> None:
        i = SORT_CYCLE.index(self.sort_by) if self.sort_by in SORT_CYCLE else -1
        self.sort_by, self.reverse = SORT_CYCLE[(i + 1) % len(SORT_CYCLE)], False
        self._redraw()

    @on(DataTable.RowSelected, "#clusters-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_detail(event.row_key.value)

    def focus_table(self) -> None:
        self.table.focus()

    # -- membership on the hub --

    def current(self) -> ClusterRow | None:
        key = self.table.current_key
        return next((r for r in self._rows if r.key == key), None)

    def _request(self, verb: str) -> None:
        row = self.current()
        if row is None:
            self.app.notify("no cluster selected", severity="warning")
            return
        self.post_message(MembershipRequest(verb, row))

    def action_accept(self) -> None:
        self._request("accept")

    def action_deny(self) -> None:
        self._request("deny")

    def action_taint(self) -> None:
        self._request("taint")

    def action_untaint(self) -> None:
        self._request("untaint")

    def action_hub_label(self) -> None:
        self._request("hub_label")

    def action_clusterset(self) -> None:
        self._request("clusterset")

    def action_detach(self) -> None:
        self._request("detach")
