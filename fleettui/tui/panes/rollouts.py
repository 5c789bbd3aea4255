"""The rollouts pane: applications with phase, revision and workflow progress, and a
matrix of clusters x applications with health. Actions (hidden and refused in
read-only and watch mode) go through the hub, never straight to a cluster."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from fleettui.store import Store
from fleettui.store.apps import AppClusterCell, AppRow, AppStore
from fleettui.tui.keys import ACTIONS
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette
from fleettui.tui.rollout_renderers import APP_COLUMNS, app_cells, app_key, matrix_table
from fleettui.tui.widgets.diff_table import DiffTable

ROLLOUT_BINDINGS = [
    Binding("d", "app.distribute", "Distribute"),
    Binding("D", "app.distribute_selection", "From selection", show=False),
    Binding("r", "resume_step", "Resume step"),
    Binding("R", "resume_all", "Resume all", show=False),
    Binding("S", "suspend", "Suspend", show=False),
    Binding("B", "rollback", "Rollback", show=False),
    Binding("ctrl+d", "delete_app", "Delete", show=False),
]


@dataclass(frozen=True)
class RolloutsData:
    apps: list[AppRow]
    cells: list[AppClusterCell]


# key -> what it would have done, for the write actions among ROLLOUT_BINDINGS
_WRITE_KEYS = {b.key: b.description.lower() for b in ROLLOUT_BINDINGS
               if b.action.removeprefix("app.") in ACTIONS}


class ActionGuard:
    """Write actions are hidden (footer) and refused in read-only and watch mode."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ACTIONS and getattr(self.app, "read_only", False):  # type: ignore[attr-defined]
            return False
        return True

    def on_key(self, event: events.Key) -> None:
        # A binding refused by check_action is skipped without a word, so the key would
        # look broken: say that the mode refused it instead.
        what = _WRITE_KEYS.get(event.key)
        if what is not None and getattr(self.app, "read_only", False):  # type: ignore[attr-defined]
            event.stop()
            event.prevent_default()
            self.app.refuse_write(what, key=event.key)  # type: ignore[attr-defined]


class RolloutsPane(ActionGuard, Pane):
    pane_id = "rollouts"
    title = "Rollouts"

    BINDINGS = ROLLOUT_BINDINGS

    class OpenApp(Message):
        def __init__(self, row: AppRow) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._data = RolloutsData([], [])
        self._palette = Palette()
        self._needle = ""

    def compose(self) -> ComposeResult:
        yield Static(id="rollouts-info", classes="pane-info")
        # a cell of room after each header: where the header is the widest thing in its
        # column, bold headers drawn in a wider font (the PNG screenshots) ran into the
        # next one ("NAMESPACEHUB"); wider padding would cost 16 columns at 80x24
        yield DiffTable([(key, f"{label} ") for key, label in APP_COLUMNS], id="rollouts-table")
        yield Static("health per cluster and application (healthy/total resources)",
                     id="rollouts-matrix-title")
        yield VerticalScroll(Static(id="rollouts-matrix"))

    @property
    def table(self) -> DiffTable:
        return self.query_one("#rollouts-table", DiffTable)

    @staticmethod
    async def fetch(store: Store) -> RolloutsData:
        records = AppStore(store)
        return RolloutsData(await records.apps(all_hubs=True), await records.matrix(all_hubs=True))

    def show(self, data: RolloutsData, now: float, palette: Palette) -> None:
        self._data, self._palette = data, palette
        self._redraw()

    def _visible(self) -> list[AppRow]:
        n = self._needle.lower()
        return [a for a in self._data.apps
                if not n or n in a.name.lower() or n in a.namespace.lower() or n in (a.phase or "").lower()]

    def _redraw(self) -> None:
        apps = self._visible()
        self.table.apply_rows([(app_key(a), app_cells(a, self._palette)) for a in apps])
        keys = {(a.hub, a.namespace, a.name) for a in apps}
        cells = [c for c in self._data.cells if (c.hub, c.namespace, c.app) in keys]
        self.matrix = matrix_table(apps, cells, self._palette) if apps else ""
        self.query_one("#rollouts-matrix", Static).update(self.matrix)
        info = f"{len(apps)} application{'' if len(apps) == 1 else 's'}"
        if not self._data.apps:
            info += " — none yet" + ("" if getattr(self.app, "read_only", False)
                                     else "; d distributes one from a file (see examples/),"
                                          " D from a selection of resources")
        if self._needle:
            info += f"  filter: /{self._needle}"
        self.query_one("#rollouts-info", Static).update(self.info_line(info))

    def set_filter(self, text: str) -> None:
        self._needle = text.strip()
        self._redraw()

    @property
    def filter_text(self) -> str:
        return self._needle

    def focus_table(self) -> None:
        self.table.focus()

    def current(self) -> AppRow | None:
        key = self.table.current_key
        return next((a for a in self._data.apps if app_key(a) == key), None)

    @on(DataTable.RowSelected, "#rollouts-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.post_message(self.OpenApp(row))

    # -- actions: the app runs them against the hub --

    def _act(self, op: str) -> None:
        row = self.current()
        if row is None:
            self.app.notify("no application selected", severity="warning")
            return
        self.app.hub_action(op, row)  # type: ignore[attr-defined]

    def action_resume_step(self) -> None:
        self._act("resume_step")

    def action_resume_all(self) -> None:
        self._act("resume_all")

    def action_suspend(self) -> None:
        self._act("suspend")

    def action_rollback(self) -> None:
        self._act("rollback")

    def action_delete_app(self) -> None:
        self._act("delete")
