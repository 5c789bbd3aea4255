"""FleetApp: the dashboard shell. The screen reads only the local store.

Refresh discipline (dolphie's): the store's change feed is consumed by a worker
that posts `StoreChanged`; that arms a one-shot debounce timer; the timer starts
one refresh worker which reads the store and posts `Refreshed`; the handler
diffs the result into the widgets. A refresh never overlaps the previous one
(changes arriving meanwhile re-arm the timer once it is done) and is skipped
while a modal is open. The background sync (`run_sync`) writes into the store
from its own worker; the UI never waits on it or on the network.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from textual import events, on, work
from textual.app import App, ComposeResult, ScreenStackError
from textual.command import CommandPalette
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Input
from textual.worker import Worker, WorkerState

from fleettui.alerts.alertmanager import Alertmanager
from fleettui.alerts.planning import live_planner
from fleettui.engine.workflow import waiting_step
from fleettui.store import FleetSummary, Store, StoreError
from fleettui.store.services import ServiceSetRow
from fleettui.tui import gc_policy, keys, registry
from fleettui.tui.actions import key_display
from fleettui.tui.bar_renderers import StatusInfo
from fleettui.tui.commands import JumpCommands, ThemeCommands
from fleettui.tui.gc_policy import GcPolicy
from fleettui.tui.membership_actions import HubClient, MembershipActions
from fleettui.tui.messages import (
    CacheProblem,
    CacheReopened,
    Refreshed,
    StoreChanged,
    SyncNotice,
    SyncStateChanged,
    ViewData,
)
from fleettui.tui.paint_hold import REFRESH_CAP, PaintHolds
from fleettui.tui.panes.alerts import AlertsPane
from fleettui.tui.panes.base import Pane
from fleettui.tui.panes.clusters import MembershipRequest
from fleettui.tui.panes.rollouts import RolloutActions
from fleettui.tui.panes.services import ServicesPane
from fleettui.tui.panes.topology import TopologyPane
from fleettui.tui.registry import PaneSpec
from fleettui.tui.renderers import Palette
from fleettui.tui.rollout_renderers import plan_table
from fleettui.tui.screens.cluster import ClusterScreen
from fleettui.tui.screens.detail import DetailFetch, DetailScreen
from fleettui.tui.screens.dialogs import Confirm, PathPrompt, ServiceActionPrompt
from fleettui.tui.screens.distribute import ApplicationEditor, SelectionDialog
from fleettui.tui.screens.help import HelpScreen
from fleettui.tui.screens.registration import RegistrationScreen
from fleettui.tui.screens.rule_editor import RuleEdit, RuleEditor
from fleettui.tui.screens.silences import SilenceDialog, SilenceRequest, SilencesScreen
from fleettui.tui.sync_thread import SyncRunner, SyncThread
from fleettui.tui.themes import initial_theme, load_themes
from fleettui.tui.widgets.bars import FleetHeader, StatusBar
from fleettui.tui.widgets.footer import FleetFooter

if TYPE_CHECKING:
    from fleettui.engine.hub import Hub
    from fleettui.engine.mcs_actions import ServiceAction

# hub_session(hub_name) -> async context manager yielding a fleettui.engine.hub.Hub
HubSession = Callable[[str], AbstractAsyncContextManager["Hub"]]
# cluster_clients({cluster: kubeconfig context}) -> async context manager yielding
# {cluster: fleettui.kube.client.ClusterClient}, for the services pane's writes
ClusterClients = Callable[[dict[str, str | None]], AbstractAsyncContextManager[dict[str, Any]]]
HubOp = Callable[["Hub"], Awaitable[str]]

# seconds a refused write action stays said in the status bar (the toast says it too)
REFUSAL_SHOWN_FOR = 6.0


@dataclass
class Directory:
    """Jump targets for the command palette, as of the last refresh."""

    clusters: list[str] = field(default_factory=list)
    namespaces: list[tuple[str, str]] = field(default_factory=list)


def palette_for(app: App) -> Palette:
    theme = app.current_theme
    unknown = theme.variables.get("health-unknown", "dim")
    return Palette(
        healthy=theme.success or "green",
        progressing=theme.warning or "yellow",
        degraded=theme.warning or "yellow",
        unhealthy=f"bold {theme.error or 'red'}",
        unknown=unknown,
        muted=unknown,
        stale=theme.warning or "yellow",
    )


# Refresh pacing for large fleets (FleetApp._refresh_gap)
THROTTLE_ABOVE = 200  # clusters
REFRESH_SHARE = 25
MAX_REFRESH_GAP = 2.0
TYPING_PAUSE = 0.3  # a background refresh waits for this long a pause in the keys...
MAX_POSTPONE = 1.0  # ...but no longer than this past its time


class FleetApp(MembershipActions, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "fleettui"
    BINDINGS = [*keys.APP_BINDINGS, *keys.pane_bindings(registry.PANES)]
    COMMANDS = {JumpCommands}

    def __init__(
        self,
        *,
        store: Store | None = None,
        store_path: Path | str | None = None,
        run_sync: SyncRunner | None = None,
        read_only: bool = False,
        watch: bool = False,
        kubeconfig: str | None = None,
        hub: str | None = None,
        clock: Callable[[], float] = time.time,
        theme: str | None = None,
        debounce: float = 0.25,
        tick: float = 5.0,
        panes: Sequence[PaneSpec] | None = None,
        pane_options: dict[str, Any] | None = None,
        hub_session: HubSession | None = None,
        cluster_clients: ClusterClients | None = None,
        hub_client: HubClient | None = None,
    ) -> None:
        super().__init__()
        if store is None and store_path is None:
            raise ValueError("FleetApp needs a store or a store path")
        self.store: Store | None = store
        self._own_store = store is None
        self._store_path = store_path
        self.sync_thread = SyncThread(run_sync, self.post_message) if run_sync is not None else None
        self.watch_mode = watch
        self.read_only = read_only or watch  # watch mode is read-only by definition
        self._refused: str | None = None
        self._refused_timer: Timer | None = None
        self.clock = clock
        self.kubeconfig_label = kubeconfig
        self.hub = hub
        self.debounce = debounce
        self.tick = tick
        self.pane_options = pane_options or {}
        self.pane_specs: tuple[PaneSpec, ...] = tuple(panes or registry.PANES)
        self.write_actions = registry.write_actions(self.pane_specs)
        self._hub_session = hub_session
        self._cluster_clients = cluster_clients
        self._hub_client = hub_client  # the hub's client: membership actions, the registration screen
        self.directory = Directory()
        self.sync_error: str | None = None
        self.cache_problem: str | None = None
        self.syncing = False
        self.first_data_at: float | None = None
        self._gc = GcPolicy()
        self._summary = FleetSummary(0, 0, 0, 0, 0, 0, None)
        self._timer: Timer | None = None
        self._refreshing = False
        self._refresh_started = 0.0
        self._refresh_cost = 0.0  # seconds the last refresh took, read to its end on screen
        self._last_input = 0.0  # monotonic time of the last key or click
        self._due_since = 0.0  # when the refresh now waiting was due
        self._postpone = MAX_POSTPONE  # how long past that it may wait for a pause in the keys
        self._dirty = True
        self._idle = asyncio.Event()  # no refresh running or due (one held for a modal counts as idle)
        self._pending_select: str | None = None
        self._sync_focus: str | None = None  # the cluster whose screen is open, if any
        self.paint_holds = PaintHolds(self)
        loaded = load_themes()
        self.theme_errors = loaded.errors
        for t in loaded.themes:
            self.register_theme(t)
        self.fleet_themes = [t.name for t in loaded.themes]
        self.theme = initial_theme(theme, self.available_themes)

    # -- layout --

    def compose(self) -> ComposeResult:
        yield FleetHeader(id="fleet-header")
        tabs = [(s.key, s.id, s.title) for s in self.pane_specs]
        with ContentSwitcher(initial=self.pane_specs[0].id, id="panes"):
            for spec in self.pane_specs:
                pane = spec.pane(id=spec.id)
                pane.tabs = tabs
                yield pane
        with Vertical(id="bottom"):
            yield Input(placeholder="filter (Enter keeps it, Esc clears)", id="filter")
            yield StatusBar(id="status-bar")
            yield FleetFooter()

    @property
    def switcher(self) -> ContentSwitcher:
        return self.query_one("#panes", ContentSwitcher)

    @property
    def pane(self) -> Pane:
        return self.query_one(f"#{self.switcher.current}", Pane)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def pane_ids(self) -> list[str]:
        return [s.id for s in self.pane_specs]

    @property
    def detail_screen(self) -> DetailScreen | None:
        """The detail screen on top, if that is what is on top."""
        try:
            screen = self.screen
        except ScreenStackError:
            return None
        return screen if isinstance(screen, DetailScreen) else None

    async def refresh_idle(self) -> None:
        """Until no refresh is running or due: what the store holds is on screen (for tests,
        and anything else that must act on what is shown)."""
        await self._idle.wait()

    async def on_mount(self) -> None:
        if self.store is None:
            try:
                self.store = await Store.open(self._store_path)  # a local file: no network
            except StoreError as exc:  # says which file and why already
                self.exit(return_code=1, message=f"fleettui: {exc}")
                return
            except OSError as exc:
                self.exit(return_code=1, message=f"fleettui: cannot open the cache: {exc}")
                return
        if self.store.recovered_from is not None:
            # the status bar has room for a shortened path only; the whole of it here
            self.notify(f"The cache could not be read and was moved aside to "
                        f"{self.store.recovered_from}; a new one is being built.",
                        title="cache rebuilt", severity="warning", timeout=30)
        self.pane.focus_table()
        self._show_status()
        self._start_refresh()  # the cached fleet, before any network call returns
        self._watch_store()
        self.set_interval(self.tick, self._tick_refresh)  # ages move on
        if self.theme_errors:
            self.notify("\n".join(self.theme_errors), title="theme skipped", severity="warning")

    def _start_gc_policy(self) -> None:
        # Everything alive once the cached fleet is on screen (the widgets, a thousand
        # clusters' rows and cells, the imported modules: ~190,000 objects) lives as long
        # as the app: frozen, and full collections from then on run while nobody types
        # (fleettui/tui/gc_policy.py); undone on exit.
        if self._gc.active or not self.is_running:
            return
        self._gc.start()
        self.set_interval(gc_policy.CHECK_EVERY, self._gc.tick, name="collect garbage while idle")

    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        if renderable is not None and self._batch_count:
            self.paint_holds.dropped = True  # see PaintHolds.release
        super()._display(screen, renderable)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self._last_input = time.monotonic()
            self._gc.input_seen()
        await super().on_event(event)

    async def on_unmount(self) -> None:
        self.paint_holds.release_all()
        self._gc.stop()
        self._stop_sync()
        if self._sync_focus is not None and self.store is not None:
            # quitting with a cluster open: its screen's Closed is never handled
            self.store.writer.set_meta("sync.focus", None)
        if self._own_store and self.store is not None:
            await self.store.close()

    # -- workers: they post messages, never touch widgets --

    @work(exclusive=True, group="feed", exit_on_error=False, name="the cache's change feed")
    async def _watch_store(self) -> None:
        assert self.store is not None
        async with self.store.subscribe() as changes:
            async for change in changes:
                self.post_message(StoreChanged(change))

    def _start_sync(self) -> None:
        path = self._store_path or (self.store.path if self.store is not None else None)
        if self.sync_thread is not None and path is not None:
            self.sync_thread.start(path)

    def _stop_sync(self) -> None:
        if self.sync_thread is not None:
            self.sync_thread.stop()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # every worker of the app, one place: a failure is said, not left as stale data on screen
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        what = event.worker.name or "a background task"
        self.notify(str(error) or type(error).__name__, title=f"{what} failed", severity="error", timeout=12)
        if event.worker.group == "refresh":
            # its Refreshed was posted from `finally`; the next change or tick tries again
            self.cache_problem = f"reading the cache failed: {error}"
            self._show_status()

    @work(exclusive=False, group="refresh", exit_on_error=False, name="reading the cache")
    async def _refresh_worker(self, targets: dict[str, DetailFetch]) -> None:
        parts: dict[str, Any] = {}
        try:
            store = self.store  # None while the cache is being rebuilt: show nothing new
            for name, fetch in targets.items() if store is not None else ():
                parts[name] = await fetch(store)
        finally:
            self.post_message(Refreshed(ViewData(now=self.clock(), parts=parts)))

    # -- refresh scheduling --

    @on(StoreChanged)
    def _changed(self, event: StoreChanged) -> None:
        if event.change.topic == "cache":
            self._rebuild_cache()
            return
        self._request_refresh()

    # -- the cache file went away under us (deleted, replaced, truncated) --
    #
    # Our connections still read the old inode and would go on saying "synced 0s
    # ago" from a file nobody else sees. Close everything on it (the sync thread's
    # store too), open the path afresh (a truncated file is then found corrupt and
    # moved aside as usual) and let the sync fill it again.

    @work(exclusive=True, group="rebuild", exit_on_error=False, name="rebuilding the cache")
    async def _rebuild_cache(self) -> None:
        old = self.store
        if old is None:
            return
        problem = old.file_problem() or f"the cache file {old.path} changed under the dashboard"
        self.post_message(CacheProblem(f"{problem}; rebuilding"))
        self.store = None
        await asyncio.to_thread(self._stop_sync)
        await old.close()
        try:
            store = await Store.open(self._store_path or old.path, clock=old.clock)
        except (StoreError, OSError) as exc:
            self.post_message(CacheProblem(f"{problem}; cannot rebuild it: {exc}"))
            return
        self.post_message(CacheReopened(store, f"{problem}; rebuilt"))

    @on(CacheProblem)
    def _cache_problem(self, event: CacheProblem) -> None:
        self.cache_problem = event.text
        self._show_status()

    @on(CacheReopened)
    def _cache_reopened(self, event: CacheReopened) -> None:
        self.store, self._own_store = event.store, True
        self.cache_problem = event.text
        self._last_sync = None
        if self.sync_thread is not None:
            self.sync_thread = self.sync_thread.fresh()  # the old one was stopped with the old store
        self._watch_store()
        if self.first_data_at is not None:
            self._start_sync()
        self._request_refresh()
        self._show_status()

    def _request_refresh(self, *, postpone: float = MAX_POSTPONE) -> None:
        self._dirty = True
        self._postpone = min(self._postpone, postpone) if self._timer is not None else postpone
        if not self._refreshing and self._timer is None:
            self._idle.clear()
            self._due_since = time.monotonic() + self._refresh_gap()
            self._timer = self.set_timer(self._refresh_gap(), self._background_refresh)

    def _tick_refresh(self) -> None:
        # only the ages moved on: in a large fleet that waits for a pause in the keys up
        # to a tick (a change in the cache waits MAX_POSTPONE at most)
        self._request_refresh(postpone=self.tick)

    def _background_refresh(self) -> None:
        """A refresh no key asked for (a change in the cache, the tick). In a large fleet
        it costs ~50 ms of the UI loop, and a key arriving meanwhile waits for it: while
        keys are coming in it waits for a pause of TYPING_PAUSE seconds (at most
        MAX_POSTPONE past its time, so holding an arrow key down does not freeze the
        data; a tick, which only moves the ages on, up to a tick). A key that needs data
        reads at once anyway."""
        self._timer = None
        if self._summary.clusters_total >= THROTTLE_ABOVE and not self._refreshing:
            now = time.monotonic()
            wait = TYPING_PAUSE - (now - self._last_input)
            if wait > 0 and now - self._due_since < self._postpone:
                self._timer = self.set_timer(wait, self._background_refresh)
                return
        self._start_refresh()

    def _refresh_gap(self) -> float:
        """How long a change waits before the screen reads the cache again. A large fleet
        that is syncing changes all the time (1,000 clusters probed every 15 s are ~70
        writes a second): refreshing four times a second spent ~20 % of a core on
        re-reading and re-drawing 1,000 rows nobody can read that fast. There, the
        screen refreshes at most once per REFRESH_SHARE times what the last refresh
        took (so refreshing takes at most ~1/REFRESH_SHARE of the time), and at least
        every MAX_REFRESH_GAP seconds. A key that needs data (a pane switch, a screen,
        Ctrl+R) reads at once."""
        if self._summary.clusters_total < THROTTLE_ABOVE:
            return self.debounce
        return max(self.debounce, min(MAX_REFRESH_GAP, REFRESH_SHARE * self._refresh_cost))

    def _start_refresh(self) -> None:
        self._timer = None
        if self._refreshing:
            return
        if self.store is None or not self.screen_stack:  # no screen: shutting down
            self._idle.set()
            return
        try:
            screen = self.screen
        except ScreenStackError:  # shutting down: the timer fired after the last screen went
            self._idle.set()
            return
        if isinstance(screen, ModalScreen):
            # nothing to see under a modal; look again shortly (held, so idle meanwhile)
            self._timer = self.set_timer(max(self.debounce, 0.5), self._start_refresh)
            self._idle.set()
            return
        self._dirty = False
        self._refreshing = True
        self._refresh_started = time.perf_counter()
        self._idle.clear()
        targets: dict[str, DetailFetch] = {
            "summary": _fetch_summary,
            f"pane:{self.switcher.current}": self.pane.make_fetch(),
        }
        if isinstance(screen, DetailScreen):
            targets["detail-screen"] = screen.make_fetch()
        self._refresh_worker(targets)

    @on(Refreshed)
    def _refreshed(self, event: Refreshed) -> None:
        self._refreshing = False
        if not self.is_running:
            # a refresh that finished while the app shuts down: its panes may be gone
            # already, and a NoMatches here would end a clean quit in a traceback
            return
        now, parts = event.data.now, event.data.parts
        palette = palette_for(self)
        if "summary" in parts:
            self._summary, last_sync, clusters = parts["summary"]
            self._last_sync = last_sync
            self.directory.clusters = clusters
        for name, data in parts.items():
            if name.startswith("pane:"):
                pane_id = name[5:]
                self.query_one(f"#{pane_id}", Pane).show(data, now, palette)
            elif name == "detail-screen" and (detail := self.detail_screen) is not None:
                detail.show(data, now, palette)
        self.query_one(FleetHeader).show(self._summary, palette)
        self._show_status(now)
        if self._pending_select and "pane:topology" in parts:
            key, self._pending_select = self._pending_select, None
            if not self.query_one("#topology", TopologyPane).select_key(key):
                self.notify(f"{key} is not in the cache", severity="warning")
        if self.first_data_at is None and parts:
            self.first_data_at = time.perf_counter()
            # the sync starts once the cached fleet is on screen: its start-up (imports,
            # discovery, a hundred clients) must not delay the first frame
            if self.sync_thread is not None:
                self.call_after_refresh(self._start_sync)
            self.call_after_refresh(self._start_gc_policy)
        if f"pane:{self.switcher.current}" in parts and (
                self.detail_screen is None or "detail-screen" in parts):
            self.paint_holds.release("refresh")  # what a pane switch or a screen waits for
        self._refresh_cost = time.perf_counter() - self._refresh_started
        if self._dirty:
            self._request_refresh()
        elif self._timer is None:
            self._idle.set()

    def _show_status(self, now: float | None = None) -> None:
        recovered = self.store.recovered_from if self.store is not None else None
        info = StatusInfo(
            kubeconfig=self.kubeconfig_label,
            hub=self.hub,
            read_only=self.read_only,
            watch=self.watch_mode,
            last_sync=getattr(self, "_last_sync", None),
            recovered_from=str(recovered) if recovered else None,
            cache_problem=self.cache_problem,
            sync_error=self.sync_error,
            syncing=self.syncing,
            refused=self._refused,
            via_gateway=self._summary.clusters_via_gateway,
        )
        self.query_one(StatusBar).show(info, self.clock() if now is None else now, palette_for(self))

    @on(SyncNotice)
    def _sync_problem(self, event: SyncNotice) -> None:
        self.notify(event.text, title="fleet discovery", severity="warning", timeout=8)

    @on(SyncStateChanged)
    def _sync_state(self, event: SyncStateChanged) -> None:
        self.syncing = event.running
        self.sync_error = event.error
        self._show_status()

    # -- actions --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.read_only and action in self.write_actions:
            return False  # hidden from the footer and refused
        return True

    def action_show_pane(self, pane_id: str) -> None:
        if pane_id not in self.pane_ids:
            self.notify(f"no {pane_id} pane in this build", severity="warning")
            return
        # the new pane is painted once, with the data the refresh below reads
        self.paint_holds.hold("refresh", REFRESH_CAP)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.switcher.current = pane_id
        self.filter_input.remove_class("visible")
        self.pane.focus_table()
        self.query_one(FleetHeader).show(self._summary, palette_for(self))
        self._request_refresh()
        self._timer and self._timer.stop()
        self._timer = None
        self._start_refresh()

    def _cycle_pane(self, step: int) -> None:
        ids = self.pane_ids
        self.action_show_pane(ids[(ids.index(self.switcher.current) + step) % len(ids)])

    def _screen_tabs(self) -> Any:
        """The screen on top if it has tabs to walk (a detail screen, the registration screen)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return None
        return screen if callable(getattr(screen, "cycle_tab", None)) else None

    def action_next_pane(self) -> None:
        if (detail := self._screen_tabs()) is not None:
            detail.cycle_tab(1)  # on a detail screen Tab walks its tabs
        elif len(self.screen_stack) == 1:
            self._cycle_pane(1)
        else:  # a dialog: Tab walks its fields (this binding has priority over theirs)
            self.screen.focus_next()

    def action_previous_pane(self) -> None:
        if (detail := self._screen_tabs()) is not None:
            detail.cycle_tab(-1)
        elif len(self.screen_stack) == 1:
            self._cycle_pane(-1)
        else:  # a dialog: Tab walks its fields (this binding has priority over theirs)
            self.screen.focus_previous()

    def action_help(self) -> None:
        note = ""
        if self.watch_mode:
            note = "watch mode: read-only, refreshes by itself; actions are off"
        elif self.read_only:
            note = "read-only: actions are off"
        self.push_screen(HelpScreen(registry.help_sections(self.pane_specs), actions=not self.read_only,
                                    note=note))

    def action_palette(self) -> None:
        self.push_screen(CommandPalette(providers=[JumpCommands, ThemeCommands],
                                        placeholder="jump to a pane, cluster, namespace or theme…"))

    def action_themes(self) -> None:
        self.push_screen(CommandPalette(providers=[ThemeCommands], placeholder="theme…"))

    def set_fleet_theme(self, name: str) -> None:
        self.theme = name
        self._request_refresh()  # cells carry theme colours: re-render them

    def action_filter(self) -> None:
        if len(self.screen_stack) > 1:
            return
        box = self.filter_input
        box.value = self.pane.filter_text
        box.add_class("visible")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self.pane.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.filter_input.remove_class("visible")
        self.pane.focus_table()

    def action_back(self) -> None:
        if self.filter_input.has_class("visible") or self.pane.filter_text:
            self.filter_input.value = ""
            self.pane.set_filter("")
            self.filter_input.remove_class("visible")
            self.pane.focus_table()
        elif len(self.screen_stack) > 1:
            self.pop_screen()

    def action_refresh_now(self) -> None:
        self._request_refresh()
        if self._timer is not None:  # asked for: now, not after the gap
            self._timer.stop()
            self._timer = None
            self._start_refresh()

    @on(Pane.OpenDetail)
    def _open_pane_detail(self, event: Pane.OpenDetail) -> None:
        spec = registry.spec_for(self.pane_specs, event.pane_id)
        if spec is not None and spec.detail is not None:
            self._open_detail(spec.detail(event.item))

    def open_cluster(self, name: str) -> None:
        self._open_detail(ClusterScreen(name))

    # `sync.focus` is a hint in the shared cache, not a cluster write: in a fleet too large
    # to watch every cluster, the sync watches the one on screen (docs/scale.md), and goes
    # back to polling it once it is no longer on screen.

    @on(ClusterScreen.Opened)
    def _cluster_on_screen(self, event: ClusterScreen.Opened) -> None:
        self._sync_focus = event.cluster
        if self.store is not None:
            self.store.writer.set_meta("sync.focus", event.cluster)

    @on(ClusterScreen.Closed)
    def _cluster_off_screen(self, event: ClusterScreen.Closed) -> None:
        # a screen replaced by another cluster's may unmount after the new one mounted
        if self._sync_focus != event.cluster:
            return
        self._sync_focus = None
        if self.store is not None:
            self.store.writer.set_meta("sync.focus", None)

    def _open_detail(self, screen: Screen) -> None:
        self.paint_holds.hold("refresh", REFRESH_CAP)  # painted with its data, once
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)
        if self._timer is not None:
            self._timer.stop()
        self._timer = None
        self.call_after_refresh(self._start_refresh)

    # -- hub actions (hidden and refused in read-only and watch mode) --

    def refuse_write(self, what: str, *, key: str | None = None) -> None:
        """A write action asked for in read-only or watch mode: say which mode refused it,
        in a notification and, for a few seconds, in the status bar."""
        mode = "watch mode (read-only)" if self.watch_mode else "read-only mode"
        self._refused = f"read-only: {what} refused"
        pressed = f"{key_display(key)}: " if key else ""
        self.notify(f"{pressed}{what} is off in {mode}", title="read-only", severity="warning")
        self._show_status()
        if self._refused_timer is not None:
            self._refused_timer.stop()
        self._refused_timer = self.set_timer(REFUSAL_SHOWN_FOR, self._clear_refusal)

    def _clear_refusal(self) -> None:
        self._refused = None
        self._refused_timer = None
        self._show_status()

    def action_distribute(self) -> None:
        if self.read_only:
            self.refuse_write("distribute")
            return
        self.push_screen(PathPrompt("Distribute an Application from a file"), self._distribute_path)

    def _distribute_path(self, path: Path | None) -> None:
        if path is not None:
            self._plan_worker(path)

    @work(exclusive=True, group="action", exit_on_error=False)
    async def _plan_worker(self, path: Path) -> None:
        from fleettui.config import yamlfile
        from fleettui.config.errors import ConfigError
        from fleettui.engine.errors import EngineError

        try:
            document = await asyncio.to_thread(yamlfile.load_file, path, what="Application file")
        except OSError as exc:
            self.notify(f"{path}: {exc.strerror or exc}", title="cannot read the file", severity="error",
                        timeout=10)
            return
        except ConfigError as exc:
            self.notify(str(exc), title="cannot read the file", severity="error", timeout=10)
            return
        if self._hub_session is None:
            self.notify("no hub to distribute to", severity="error")
            return
        try:
            async with self._hub_session("local") as hub:
                app, plan = await hub.plan(document)
        except EngineError as exc:  # validation: names the application and field
            self.notify(str(exc), title=f"{path.name} is not valid", severity="error", timeout=15)
            return
        except Exception as exc:
            self.notify(f"{type(exc).__name__}: {exc}", title="planning failed", severity="error", timeout=15)
            return
        title = f"Distribute {app.namespace}/{app.name} from {path.name}: {len(plan)} placement(s)"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._apply_document(document)

        self.push_screen(Confirm(title, plan_table(plan)), confirmed)

    def action_distribute_selection(self) -> None:
        if self.read_only:
            self.refuse_write("distribute from a selection")
            return
        if self.store is None:
            return
        self.push_screen(SelectionDialog(self.store), self._selection_written)

    def _selection_written(self, document: dict[str, Any] | None) -> None:
        if document is not None:
            self.push_screen(ApplicationEditor(document, self._plan_document), self._edited)

    async def _plan_document(self, document: dict[str, Any]) -> tuple[Any, list[Any]]:
        """The editor's validation: the local hub's plan (raises its EngineError)."""
        if self._hub_session is None:
            raise RuntimeError("no hub to distribute to")
        async with self._hub_session("local") as hub:
            return await hub.plan(document)

    def _edited(self, document: dict[str, Any] | None) -> None:
        if document is not None and not self.read_only:
            self._apply_document(document)

    def _allowed(self, what: str) -> bool:
        if self.read_only:
            self.refuse_write(what)
        return not self.read_only

    @on(MembershipRequest)
    def _membership(self, event: MembershipRequest) -> None:
        self.membership_request(event)  # tui/membership_actions.py

    @on(RegistrationScreen.Decide)
    def _decide(self, event: RegistrationScreen.Decide) -> None:
        self.decide_request(event)

    @on(RolloutActions.ResumeStep)
    def _resume_step(self, event: RolloutActions.ResumeStep) -> None:
        row = event.row

        async def resume(hub: Hub) -> str:
            current = await hub.get(row.namespace, row.name) or {}
            step = waiting_step(((current.get("status") or {}).get("workflow") or {}).get("steps") or [])
            if step is None:
                return f"{row.name}: no step is waiting"
            return await hub.resume(row.namespace, row.name, step)

        self._on_hub("resume step", row.hub, resume)

    @on(RolloutActions.ResumeAll)
    def _resume_all(self, event: RolloutActions.ResumeAll) -> None:
        row = event.row
        self._on_hub("resume all", row.hub, lambda hub: hub.resume(row.namespace, row.name))

    @on(RolloutActions.Suspend)
    def _suspend(self, event: RolloutActions.Suspend) -> None:
        row = event.row
        self._on_hub("suspend", row.hub, lambda hub: hub.suspend(row.namespace, row.name))

    @on(RolloutActions.Rollback)
    def _rollback(self, event: RolloutActions.Rollback) -> None:
        row = event.row
        if self._allowed("rollback"):
            self._confirm(f"Roll back {row.namespace}/{row.name}?", "to the previous revision", "Roll back",
                          lambda: self._on_hub("rollback", row.hub,
                                               lambda hub: hub.rollback(row.namespace, row.name)))

    @on(RolloutActions.Delete)
    def _delete(self, event: RolloutActions.Delete) -> None:
        row = event.row
        if self._allowed("delete"):
            self._confirm(f"Delete {row.namespace}/{row.name}?", "and remove its resources from every cluster",
                          "Delete", lambda: self._on_hub("delete", row.hub,
                                                         lambda hub: hub.delete(row.namespace, row.name)))

    def _confirm(self, title: str, body: str, yes: str, then: Callable[[], None]) -> None:
        def answered(ok: bool | None) -> None:
            if ok:
                then()

        self.push_screen(Confirm(title, body, yes=yes), answered)

    def _on_hub(self, what: str, hub_name: str, op: HubOp) -> None:
        """Run one operation on a hub in a worker; a failure is said by `_worker_changed`
        (the hub's sentence, an EngineError, or a cluster's error), titled `what failed`."""
        if not self._allowed(what):
            return
        self.run_worker(self._hub_worker(what, hub_name, op), name=what, group="action",
                        exclusive=True, exit_on_error=False)

    async def _hub_worker(self, what: str, hub_name: str, op: HubOp) -> None:
        if self._hub_session is None:
            raise RuntimeError("no hub to act on")
        async with self._hub_session(hub_name) as hub:
            message = await op(hub)
        self.notify(message, title=what)
        self._request_refresh()

    def _apply_document(self, document: dict[str, Any]) -> None:
        async def apply(hub: Hub) -> str:
            result = await hub.apply(document)
            return f"{result.namespace}/{result.name} {result.action}"

        self._on_hub("apply", "local", apply)

    # -- service actions (MCS): clusters asked, preview from the cache, then the writes --

    @on(ServicesPane.Export)
    def _export(self, event: ServicesPane.Export) -> None:
        self._ask_service_action("export", event.row, "")

    @on(ServicesPane.Unexport)
    def _unexport(self, event: ServicesPane.Unexport) -> None:
        self._ask_service_action("unexport", event.row, next(iter(event.row.exporting), ""))

    @on(ServicesPane.Import)
    def _import(self, event: ServicesPane.Import) -> None:
        self._ask_service_action("import", event.row, event.row.analysis.winner or "")

    def _ask_service_action(self, verb: str, row: ServiceSetRow, cluster: str) -> None:
        if not self._allowed(verb):
            return

        def chosen(action: ServiceAction | None) -> None:
            if action is not None:
                self.run_worker(self._preview_service_action(action), name=f"{verb} preview",
                                group="action", exclusive=True, exit_on_error=False)

        self.push_screen(ServiceActionPrompt(verb, row.namespace, row.name, cluster=cluster), chosen)

    async def _preview_service_action(self, action: ServiceAction) -> None:
        from fleettui.engine import mcs_actions

        if self.store is None:
            return
        lines = await mcs_actions.preview(self.store, action)
        contexts = {c.name: c.context for c in await self.store.clusters()
                    if c.name in (action.cluster, *action.to)}

        def run() -> None:
            self.run_worker(self._service_worker(action, contexts), name=action.verb, group="action",
                            exclusive=True, exit_on_error=False)

        self._confirm(action.title, "\n".join(f"- {line}" for line in lines), action.verb.capitalize(), run)

    async def _service_worker(self, action: ServiceAction, contexts: dict[str, str | None]) -> None:
        from fleettui.engine import mcs_actions

        if self.read_only:  # the mode may not change, but the guard below is the one that counts
            self.refuse_write(action.verb)
            return
        if self._cluster_clients is None:
            raise RuntimeError("no cluster access for service actions")
        unknown = sorted({action.cluster, *action.to} - set(contexts))
        if unknown:
            raise mcs_actions.ServiceActionError(f"not in the fleet: {', '.join(unknown)}")
        async with self._cluster_clients(contexts) as clients:
            done = await mcs_actions.execute(clients, action)
        self.notify("\n".join(done), title=action.title)
        self._request_refresh()

    # -- silences (the Alertmanager's client refuses writes in read-only mode too) --

    def _alertmanager(self) -> Alertmanager | None:
        url = getattr(self.pane_options.get("fleet"), "alertmanager", None)
        if not url:
            self.notify("the fleet file names no Alertmanager (`alertmanager:`)", severity="warning")
            return None
        return Alertmanager(url)

    @on(AlertsPane.Silence)
    def _silence(self, event: AlertsPane.Silence) -> None:
        am = self._alertmanager() if self._allowed("silence") else None
        if am is None:
            return

        def chosen(req: SilenceRequest | None) -> None:
            if req is not None:
                self.run_worker(self._silence_worker(am, req), name="silence", group="action",
                                exclusive=True, exit_on_error=False)

        self.push_screen(SilenceDialog(event.alert), chosen)

    async def _silence_worker(self, am: Alertmanager, req: SilenceRequest) -> None:
        from datetime import timedelta

        sid = await am.add_silence(req.matchers, duration=timedelta(seconds=req.seconds), comment=req.comment,
                                   author=req.author)
        self.notify(f"silence {sid}: {', '.join(str(m) for m in req.matchers)} for {req.duration}",
                    title="silenced")

    @on(AlertsPane.EditRules)
    def _edit_rules(self, event: AlertsPane.EditRules) -> None:
        if self._allowed("edit alert rules"):
            self.push_screen(PathPrompt("Edit a rule set file (Application or PrometheusRule)"), self._open_rules)

    def _open_rules(self, path: Path | None) -> None:
        if path is not None:
            self.run_worker(self._rule_editor(path), name="opening the rule set", group="action",
                            exclusive=True, exit_on_error=False)

    async def _rule_editor(self, path: Path) -> None:
        from fleettui.engine.render import MemberCluster

        text = await asyncio.to_thread(path.read_text)
        clusters = await self.store.clusters() if self.store is not None else []
        fleet = [MemberCluster(c.name, dict(c.labels)) for c in clusters]
        planner = self._plan_document if self._hub_session is not None else None
        fleet_file = self.pane_options.get("fleet")
        prometheus = {name: str(entry.prometheus) for name, entry in (getattr(fleet_file, "clusters", None) or {}).items()
                      if getattr(entry, "prometheus", None)}
        live = live_planner(prometheus, self.pane_options.get("rule_deployed"))

        def edited(edit: RuleEdit | None) -> None:
            if edit is None or self.read_only:
                return
            path.write_text(edit.text)  # saved once checked and confirmed, never before
            for document in edit.documents:
                self._apply_document(document)

        self.push_screen(RuleEditor(path, text, fleet, planner, live), edited)

    @on(AlertsPane.ShowSilences)
    def _show_silences(self, event: AlertsPane.ShowSilences) -> None:
        am = self._alertmanager()
        if am is not None:
            self.push_screen(SilencesScreen(am))

    def jump_to_namespace(self, cluster: str, namespace: str) -> None:
        self.action_show_pane("topology")
        # the topology is read by the refresh just started; selected once it is shown
        self._pending_select = f"cluster:{cluster}/ns:{namespace}"


async def _fetch_summary(store: Store) -> tuple[FleetSummary, float | None, list[str]]:
    summary = await store.fleet_summary()
    return summary, summary.last_sync, await store.cluster_names()
