"""The hub's registration screen (`h` on the clusters pane): ManagedClusterSets with
their members, Placements with the clusters they chose and why, and the joining
agents' CSRs awaiting a decision.

The cache holds each member's own registration (the HUB column), not the hub's sets
and placements, so this screen reads the hub itself: once when it opens and on `r`,
in a worker (`engine.registration.gather`: a few LISTs, never a write), while the
screen shows what it has. A hub that does not answer is said on the screen.

On the Pending tab `a` / `x` accept or deny the selected joining cluster: posted to the
app, which confirms and runs them as the clusters pane's keys do (WriteGuard: hidden and
refused in read-only and watch mode).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from fleettui.engine.membership import JoinRequest
from fleettui.engine.registration import RegistrationView
from fleettui.tui.actions import ActionSpec, WriteGuard, bindings
from fleettui.tui.registration_renderers import (
    CLUSTERSET_COLUMNS,
    PENDING_COLUMNS,
    PLACEMENT_COLUMNS,
    clusterset_cells,
    pending_cells,
    pending_key,
    placement_rows,
)
from fleettui.tui.renderers import Palette
from fleettui.tui.widgets.diff_table import DiffTable
from fleettui.tui.widgets.footer import FleetFooter

RegistrationLoader = Callable[[], Awaitable[RegistrationView]]

DECISION_ACTIONS = (
    ActionSpec("a", "accept_pending", "Accept", "accept the selected joining cluster (as `clusteradm accept`)",
               write=True),
    ActionSpec("x", "deny_pending", "Deny", "deny the selected joining cluster", write=True),
)


class RegistrationScreen(WriteGuard, Screen[None]):
    ACTIONS = DECISION_ACTIONS
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("r", "reload", "Re-read the hub"),
                *bindings(DECISION_ACTIONS)]
    TABS = ("tab-pending", "tab-placements", "tab-clustersets")

    @dataclass
    class Decide(Message):
        """Accept or deny a joining cluster; `csrs` are its agents' CSRs as just read."""

        verb: str  # accept | deny
        cluster: str
        csrs: tuple[JoinRequest, ...]

    def __init__(self, load: RegistrationLoader, palette: Palette) -> None:
        super().__init__(classes="registration-screen")  # no id: see DetailScreen
        self._load = load
        self._palette = palette
        self.view: RegistrationView | None = None
        self.loads = 0  # finished reads of the hub (tests wait on it)

    def compose(self) -> ComposeResult:
        yield Static("hub registration: reading the hub…", id="registration-heading")
        with TabbedContent(id="registration-tabs"):
            with TabPane("Pending CSRs", id="tab-pending"):
                yield DiffTable(PENDING_COLUMNS, id="registration-pending")
            with TabPane("Placements", id="tab-placements"):
                yield DiffTable(PLACEMENT_COLUMNS, id="registration-placements")
            with TabPane("Clustersets", id="tab-clustersets"):
                yield DiffTable(CLUSTERSET_COLUMNS, id="registration-clustersets")
        yield FleetFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if allowed and action in ("accept_pending", "deny_pending"):
            # a decision is about a pending CSR: offered on that tab only
            return self.query_one(TabbedContent).active == "tab-pending"
        return allowed

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()  # the footer offers accept/deny on the Pending CSRs tab only

    def action_reload(self) -> None:
        self._read()

    @work(exclusive=True, group="registration", exit_on_error=False, name="reading the hub's registration")
    async def _read(self) -> None:
        try:
            view = await self._load()
        except Exception as exc:  # the hub down, forbidden, no OCM: said here, the last view kept
            self.loads += 1
            self._heading(Text(f"hub registration: cannot read the hub: {exc}", style=self._palette.stale))
            return
        self.loads += 1
        self.show(view)

    def _heading(self, text: Text) -> None:
        self.query_one("#registration-heading", Static).update(text)

    def show(self, view: RegistrationView) -> None:
        self.view = view
        p = self._palette
        waiting = sum(1 for r in view.pending if r.csr_state in ("pending", None) and not r.accepted)
        head = Text.assemble(("hub ", p.muted), (view.hub, "bold"),
                             f"  {len(view.clustersets)} clustersets, {len(view.placements)} placements, ")
        head.append(f"{waiting} awaiting a decision", style=p.degraded if waiting else "")
        head.append("  (r re-reads; accept on the clusters pane: a)", style=p.muted)
        for problem in view.problems:
            head.append(f"\n{problem}", style=p.stale)
        self._heading(head)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-pending").label = f"Pending CSRs ({len(view.pending)})"
        tabs.get_tab("tab-placements").label = f"Placements ({len(view.placements)})"
        tabs.get_tab("tab-clustersets").label = f"Clustersets ({len(view.clustersets)})"
        self.query_one("#registration-pending", DiffTable).apply_rows(
            [(pending_key(r), pending_cells(r, p)) for r in view.pending])
        self.query_one("#registration-placements", DiffTable).apply_rows(
            [row for v in view.placements for row in placement_rows(v, p)])
        self.query_one("#registration-clustersets", DiffTable).apply_rows(
            [(s.name, clusterset_cells(s, p)) for s in view.clustersets])

    def _decide(self, verb: str) -> None:
        key = self.query_one("#registration-pending", DiffTable).current_key
        if self.query_one(TabbedContent).active != "tab-pending" or self.view is None or key is None:
            self.app.notify("pick a joining cluster on the Pending CSRs tab", severity="warning")
            return
        cluster = key.split("/", 1)[0]
        self.post_message(self.Decide(verb, cluster, tuple(r for r in self.view.pending if r.cluster == cluster)))

    def action_accept_pending(self) -> None:
        self._decide("accept")

    def action_deny_pending(self) -> None:
        self._decide("deny")

    def show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one(f"#{tab} DiffTable", DiffTable).focus()

    def cycle_tab(self, step: int) -> None:
        current = self.query_one(TabbedContent).active
        i = self.TABS.index(current) if current in self.TABS else 0
        self.show_tab(self.TABS[(i + step) % len(self.TABS)])
