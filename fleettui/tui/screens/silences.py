"""Silences from the alerts pane: the dialog that adds one for an alert on its cluster, and
the screen that lists the Alertmanager's silences and expires one.

Every call goes through `fleettui.alerts.alertmanager.Alertmanager` (its `_send` is the
write choke point that refuses in read-only mode) in a worker; the results come back as
messages. The TUI's own guard hides and refuses the keys first (`WriteGuard`).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Static

from fleettui.alerts.alertmanager import Alertmanager, AlertmanagerError, Matcher, Silence
from fleettui.alerts.promql import duration_seconds
from fleettui.store.alerts import AlertRow
from fleettui.tui.actions import ActionSpec, WriteGuard, bindings
from fleettui.tui.widgets.footer import FleetFooter


def silence_matchers(alert: AlertRow) -> list[Matcher]:
    """This alert on this cluster: its name and the `cluster` external label."""
    return [Matcher("alertname", alert.alertname), Matcher("cluster", alert.cluster)]


@dataclass(frozen=True)
class SilenceRequest:
    matchers: tuple[Matcher, ...]
    seconds: float
    duration: str
    comment: str
    author: str


class SilenceDialog(ModalScreen["SilenceRequest | None"]):
    """Duration and comment of a new silence; the author is the OS user."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, alert: AlertRow) -> None:
        super().__init__(classes="dialog")
        self.alert = alert
        self.matchers = tuple(silence_matchers(alert))
        self.author = getpass.getuser()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(f"Silence {', '.join(str(m) for m in self.matchers)}"), classes="dialog-title")
            yield Static(Text(f"author {self.author}"), classes="dialog-body")
            yield Input(value="2h", placeholder="duration (30m, 2h, 1d)", id="silence-duration")
            yield Input(placeholder="comment (why; the Alertmanager requires one)", id="silence-comment")
            yield Static("", id="silence-error", classes="dialog-error")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        duration = self.query_one("#silence-duration", Input).value.strip()
        comment = self.query_one("#silence-comment", Input).value.strip()
        error = self.query_one("#silence-error", Static)
        try:
            seconds = duration_seconds(duration)
        except ValueError as exc:
            error.update(f"duration: {exc}")
            return
        if seconds <= 0:
            error.update("duration: longer than 0s")
            return
        if not comment:
            if event.input.id == "silence-duration":
                self.query_one("#silence-comment", Input).focus()
            else:
                error.update("say why in the comment")
            return
        self.dismiss(SilenceRequest(self.matchers, seconds, duration, comment, self.author))

    def action_cancel(self) -> None:
        self.dismiss(None)


SILENCE_ACTIONS = (
    ActionSpec("x", "expire", "Expire", "expire the selected silence", write=True),
    ActionSpec("r", "reload", "Reload", "read the silences again"),
)


class SilencesScreen(WriteGuard, Screen[None]):
    """The Alertmanager's silences (expired ones left out); `x` expires the selected one."""

    ACTIONS = SILENCE_ACTIONS
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), *bindings(SILENCE_ACTIONS)]

    @dataclass
    class Loaded(Message):
        silences: list[Silence] | None
        error: str | None = None
        note: str | None = None

    def __init__(self, alertmanager: Alertmanager) -> None:
        super().__init__(id="silences-screen")
        self.alertmanager = alertmanager
        self.silences: list[Silence] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(f"silences in {self.alertmanager.url}"), id="silences-heading")
        table: DataTable = DataTable(id="silences-table", cursor_type="row")
        table.add_columns("ID", "STATE", "MATCHERS", "ENDS", "BY", "COMMENT")
        yield table
        yield FleetFooter()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load(None)

    def action_expire(self) -> None:
        table = self.query_one("#silences-table", DataTable)
        if not self.silences or table.cursor_row >= len(self.silences):
            self.app.notify("no silence selected", severity="warning")
            return
        self._load(self.silences[table.cursor_row].id)

    @work(exclusive=True, group="silences")
    async def _load(self, expire: str | None) -> None:
        note = None
        try:
            if expire is not None:
                await self.alertmanager.expire_silence(expire)
                note = f"silence {expire} expired"
            silences = [s for s in await self.alertmanager.silences() if s.state != "expired"]
        except (AlertmanagerError, TimeoutError) as exc:
            self.post_message(self.Loaded(None, str(exc) or "Alertmanager: timed out"))
            return
        order = {"active": 0, "pending": 1}
        silences.sort(key=lambda s: (order.get(s.state, 2), s.ends_at, s.id))
        self.post_message(self.Loaded(silences, note=note))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        heading = self.query_one("#silences-heading", Static)
        if event.silences is None:
            heading.update(Text(f"silences unknown: {event.error}"))
            return
        self.silences = event.silences
        table = self.query_one("#silences-table", DataTable)
        table.clear()
        for s in self.silences:
            # Text cells: a string cell would be read as markup, and a comment may hold brackets
            table.add_row(*(Text(v) for v in (s.id, s.state, ",".join(str(m) for m in s.matchers), s.ends_at,
                                              s.created_by, s.comment)), key=s.id)
        heading.update(Text(f"{len(self.silences)} silences in {self.alertmanager.url}"))
        if event.note:
            self.app.notify(event.note, title="silences")
