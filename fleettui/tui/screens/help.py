"""`?`: the key bindings, without the write actions in read-only and watch mode."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

# (section, [(keys, what they do, is a write action)]), from the registry
HelpSections = Sequence[tuple[str, Sequence[tuple[str, str, bool]]]]


def help_table(sections: HelpSections, *, actions: bool) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for section, rows in sections:
        shown = [(k, d) for k, d, is_action in rows if actions or not is_action]
        if not shown:
            continue
        table.add_row(f"[u]{section}[/u]", "")
        for keys, doc in shown:
            table.add_row(keys, doc)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("question_mark", "dismiss", "Close"),
        Binding("q", "dismiss", "Close"),
    ]

    def __init__(self, sections: HelpSections, *, actions: bool, note: str = "") -> None:
        super().__init__(id="help-screen")
        self._sections = sections
        self._actions = actions
        self._note = note

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static("fleettui keys  (Esc closes)", id="help-title")
            if self._note:
                yield Static(self._note, id="help-note")
            yield Static(help_table(self._sections, actions=self._actions))

    def action_dismiss(self) -> None:  # type: ignore[override]  # the key binding passes no result; Screen's takes one
        self.dismiss(None)
