"""The rollouts pane: applications with phase, revision and workflow progress, and a
matrix of clusters x applications with health. Actions (hidden and refused in
read-only and watch mode) go through the hub, never straight to a cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.message import Message
from textual.widgets import DataTable, Static

from fleettui.store import Store
from fleettui.store.apps import AppClusterCell, AppRow, AppStore
from fleettui.tui.actions import ActionSpec, WriteGuard, bindings
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette
from fleettui.tui.rollout_renderers import APP_COLUMNS, app_cells, app_key, matrix_view
from fleettui.tui.widgets.diff_table import DiffTable

ROLLOUT_ACTIONS = (
    ActionSpec("d", "app.distribute", "Distribute", "distribute an Application from a file", write=True),
    ActionSpec("D", "app.distribute_selection", "From selection",
               "distribute from a selection: resources of a namespace to clusters by name or label",
               write=True, show=False),
    ActionSpec("r", "resume_step", "Resume step", "resume the waiting step", write=True),
    ActionSpec("R", "resume_all", "Resume all", "resume all", write=True, show=False),
    ActionSpec("S", "suspend", "Suspend", "suspend the workflow", write=True, show=False),
    ActionSpec("B", "rollback", "Rollback", "roll back to the previous revision", write=True, show=False),
    ActionSpec("ctrl+d", "delete_app", "Delete", "delete the application", write=True, show=False),
)


@dataclass(frozen=True)
class RolloutsData:
    apps: list[AppRow]
    cells: list[AppClusterCell]


@dataclass
class AppAction(Message):
    """A request to act on one application through its hub; the app runs it (one handler
    per action), after a confirmation where the action cannot be undone."""

    row: AppRow


class RolloutActions(WriteGuard):
    """The rollout keys, shared by the rollouts pane and the application screen: each posts
    its own message upward with the application it is on."""

    ACTIONS = ROLLOUT_ACTIONS

    class ResumeStep(AppAction):
        """`vela workflow resume` of the step that is waiting."""

    class ResumeAll(AppAction):
        """`vela workflow resume`: every suspended step."""

    class Suspend(AppAction):
        """`vela workflow suspend`."""

    class Rollback(AppAction):
        """`vela workflow rollback` to the previous revision."""

    class Delete(AppAction):
        """Delete the application and, through its hub, its resources in every cluster."""

    def selected_app(self) -> AppRow | None:
        raise NotImplementedError

    def _post(self, message: type[AppAction]) -> None:
        node = cast(DOMNode, self)  # a mixin of widgets and screens
        row = self.selected_app()
        if row is None:
            node.app.notify("no application selected", severity="warning")
            return
        node.post_message(message(row))

    def action_resume_step(self) -> None:
        self._post(self.ResumeStep)

    def action_resume_all(self) -> None:
        self._post(self.ResumeAll)

    def action_suspend(self) -> None:
        self._post(self.Suspend)

    def action_rollback(self) -> None:
        self._post(self.Rollback)

    def action_delete_app(self) -> None:
        self._post(self.Delete)


class RolloutsPane(RolloutActions, Pane):
    pane_id = "rollouts"
    title = "Rollouts"

    BINDINGS = [
        *bindings(ROLLOUT_ACTIONS),
        Binding("left_square_bracket", "matrix_page(-1)", "Previous clusters", show=False),
        Binding("right_square_bracket", "matrix_page(1)", "Next clusters", show=False),
    ]
    MATRIX_TITLE = "health per cluster and application (healthy/total resources)"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._data = RolloutsData([], [])
        self._matrix_page = 0
        self._palette = Palette()
        self._needle = ""
        self._now = 0.0

    def compose(self) -> ComposeResult:
        yield Static(id="rollouts-info", classes="pane-info")
        # a cell of room after each header: where the header is the widest thing in its
        # column, bold headers drawn in a wider font (the PNG screenshots) ran into the
        # next one ("NAMESPACEHUB"); wider padding would cost 16 columns at 80x24
        yield DiffTable([(key, f"{label} ") for key, label in APP_COLUMNS], id="rollouts-table")
        yield Static(self.MATRIX_TITLE, id="rollouts-matrix-title")
        yield VerticalScroll(Static(id="rollouts-matrix"))

    @property
    def table(self) -> DiffTable:
        return self.query_one("#rollouts-table", DiffTable)

    @staticmethod
    async def fetch(store: Store) -> RolloutsData:
        records = AppStore(store)
        return RolloutsData(await records.apps(all_hubs=True), await records.matrix(all_hubs=True))

    def show(self, data: RolloutsData, now: float, palette: Palette) -> None:
        self._data, self._palette, self._now = data, palette, now
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
        self._show_matrix(apps, cells)
        info = f"{len(apps)} application{'' if len(apps) == 1 else 's'}"
        if not self._data.apps:
            info += " — none yet" + ("" if getattr(self.app, "read_only", False)
                                     else "; d distributes one from a file (see examples/),"
                                          " D from a selection of resources")
        if self._needle:
            info += f"  filter: /{self._needle}"
        self.query_one("#rollouts-info", Static).update(self.info_line(info))

    def _show_matrix(self, apps: list[AppRow], cells: list[AppClusterCell]) -> None:
        title = self.MATRIX_TITLE
        if apps:
            view = matrix_view(apps, cells, self._palette, page=self._matrix_page, now=self._now)
            self._matrix_page = view.page
            self.matrix = view.table
            if view.caption:
                title += f" — {view.caption}"
        else:
            self.matrix = ""
        self.query_one("#rollouts-matrix", Static).update(self.matrix)
        self.query_one("#rollouts-matrix-title", Static).update(title)

    def action_matrix_page(self, step: int) -> None:
        self._matrix_page = max(0, self._matrix_page + step)
        self._redraw()

    def set_filter(self, text: str) -> None:
        self._needle = text.strip()
        self._matrix_page = 0
        self._redraw()

    @property
    def filter_text(self) -> str:
        return self._needle

    def focus_table(self) -> None:
        self.table.focus()

    def selected_app(self) -> AppRow | None:
        return self.current()

    def current(self) -> AppRow | None:
        key = self.table.current_key
        return next((a for a in self._data.apps if app_key(a) == key), None)

    @on(DataTable.RowSelected, "#rollouts-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current()
        if row is not None:
            self.open_detail(row)
