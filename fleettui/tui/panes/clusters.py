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
from fleettui.tui.paint_hold import SCROLL_CAP
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import (
    CLUSTER_COLUMN_PRIORITY,
    CLUSTER_COLUMNS,
    CLUSTER_SORTS,
    Palette,
    cell_widths,
    cluster_cells,
    cluster_matches,
    fit_widths,
)
from fleettui.tui.widgets.diff_table import DiffTable

SORT_CYCLE = ("health", "name", "cpu", "mem", "seen", "region")

# A fleet larger than this is first shown a screenful at a time: the rows on screen at once
# (the first frame from the cache), every other row right after that frame is painted.
FIRST_SCREEN_ABOVE = 200

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
        # cells of each row as last rendered, by cluster: (inputs, `now` they were rendered
        # at, cells). A sort or a filter keystroke re-renders nothing, and a refresh only the
        # rows whose data changed plus those on screen, whose ages move on (1,000 rows cost
        # ~0.3 s to render: every 5 s, and on every pane switch, before).
        self._cells: dict[str, tuple[tuple, float, tuple, tuple[int, ...]]] = {}  # ..., cells' widths
        self._view: list[ClusterRow] = []  # the rows as sorted and filtered now
        self._scroll_pending = False
        self._table_size: tuple[int, int] | None = None  # as on_resize last saw it
        self._columns: tuple[tuple[str, ...], int] | None = None  # columns shown, for this width

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
        names = {r.name for r in data.clusters}
        self._cells = {k: v for k, v in self._cells.items() if k in names}
        self._columns = None
        self._redraw()

    def _cells_of(self, row: ClusterRow, *, on_screen: bool) -> tuple:
        """The row's cells: the ones rendered last unless its data changed, or it is on
        screen and they were rendered at an earlier `now` (an age would be behind)."""
        return self._rendered(row, on_screen=on_screen)[2]

    def _rendered(self, row: ClusterRow, *, on_screen: bool) -> tuple[tuple, float, tuple, tuple[int, ...]]:
        inputs = (row, self._usage.get(row.name), self._sources.get(row.name), self._palette)
        hit = self._cells.get(row.name)
        if hit is not None and hit[0] == inputs and (hit[1] == self._now or not on_screen):
            return hit
        cells = cluster_cells(row, self._now, self._palette, usage=inputs[1], source=inputs[2])
        self._cells[row.name] = entry = (inputs, self._now, cells, cell_widths(cells))
        return entry

    def _on_screen(self) -> range:
        """Indexes into the sorted rows the table shows now (rows scrolled into view later
        are brought up to date then)."""
        table = self.table
        top = int(table.scroll_y)
        return range(top, top + max(table.size.height, 1))

    def on_mount(self) -> None:
        # rows scrolled into view get the ages of now (off screen they may be a refresh behind)
        self.watch(self.table, "scroll_y", self._scrolled, init=False)

    def _scrolled(self) -> None:
        # after the current update (apply_rows itself scrolls when it refills the table);
        # the rows scrolled into view are painted once, with their ages brought up to date
        if self._view and not self._scroll_pending:
            self._scroll_pending = True
            holds = getattr(self.app, "paint_holds", None)
            if holds is not None:
                holds.hold("scroll", SCROLL_CAP)
            self.call_later(self._after_scroll)

    def _after_scroll(self) -> None:
        self._scroll_pending = False
        try:
            self._apply()
        finally:
            holds = getattr(self.app, "paint_holds", None)
            if holds is not None:
                holds.release("scroll")

    def on_resize(self) -> None:
        # a new width is seen by `_apply` (the columns that fit); a taller table brings rows
        # on screen, which may need their ages brought up to date. A shorter one (the
        # filter box opening under it) shows a part of what it showed: nothing to do.
        size = (self.table.size.width, self.table.size.height)
        last, self._table_size = self._table_size, size
        if self._rows and (last is None or size[0] != last[0] or size[1] > last[1]):
            self._apply()

    def _redraw(self) -> None:
        key = CLUSTER_SORTS[self.sort_by]
        self._view = sorted((r for r in self._rows if cluster_matches(r, self._needle)),
                            key=lambda r: key(r, self._now), reverse=self.reverse)
        self._apply()
        rows = self._view
        count = f"{len(rows)} of {len(self._rows)}" if self._needle else f"{len(rows)}"
        info = f"{count} clusters"
        joining = sum(1 for r in self._rows if r.hub and not r.hub.get("accepted", True))
        if joining:
            how = "h lists them" if getattr(self.app, "read_only", False) else "a accepts the selected one, h lists them"
            info += f"  {joining} awaiting acceptance ({how})"
        info += f"  sort: {self.sort_by}{' (reversed)' if self.reverse else ''}"
        if self._needle:
            kind = " (label selector)" if selector_or_none(self._needle) else ""
            info += f"  filter: /{self._needle}{kind}"
        self.query_one("#clusters-info", Static).update(self.info_line(info))

    def _apply(self) -> None:
        rows = self._view
        window = self._on_screen()
        table = self.table
        first_screen = not table.shown_keys and len(rows) > max(FIRST_SCREEN_ABOVE, window.stop)
        if first_screen:
            rows = rows[:window.stop]
        cells = [self._cells_of(r, on_screen=i in window) for i, r in enumerate(rows)]
        columns = CLUSTER_COLUMNS
        if not any(r.hub for r in self._rows):  # no OCM hub: the HUB column would say `-` only
            columns = tuple(c for c in CLUSTER_COLUMNS if c[0] != "hub")
            cells = [c[:len(columns)] for c in cells]  # HUB is the last column
        # the columns that fit this width, so NAME, HEALTH and the figures are on screen
        # without scrolling sideways; a vertical scrollbar's width is kept free. Measured
        # over every row once per refresh or resize, not per keystroke: the columns do not
        # come and go while a filter is typed (and 1,000 rows take ~50 ms to measure).
        room = table.size.width - table.styles.scrollbar_size_vertical if table.size.width else 0
        if self._columns is None or self._columns[1] != room:
            width = len(columns)
            measured = (self._rendered(r, on_screen=False)[3][:width]
                        for r in (rows if first_screen else self._rows))
            self._columns = (fit_widths(columns, measured, room, CLUSTER_COLUMN_PRIORITY), room)
        shown = self._columns[0]
        table.show_columns(shown)
        index = [key for key, _ in CLUSTER_COLUMNS]
        picks = [index.index(key) for key in shown]
        table.apply_rows([(r.key, tuple(c[i] for i in picks)) for r, c in zip(rows, cells, strict=True)])
        if first_screen:
            self._columns = None  # fitted over every row with the rest
            self.call_after_refresh(self._apply)

    # -- filter and sort --

    def set_filter(self, text: str) -> None:
        if text.strip() == self._needle:
            return  # `/` puts the current filter in the box: nothing changed
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
