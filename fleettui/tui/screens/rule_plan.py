"""The rule editor's plan (step 3 of a save): each rule set's clusters × variant with the
live checks and the backtest from each cluster's own Prometheus, then the choice of how
it ships: to every cluster at once, or canary-first (the canary's variant, a suspend
gate, then the rest: the distribute dialog's workflow). Dismisses with "all", "canary"
or None (back to the editor, nothing written)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from fleettui.tui.renderers import Palette
from fleettui.tui.rules_renderers import live_findings_text, live_plan_table, live_unknown_text

ALL, CANARY = "all", "canary"


class RulePlan(ModalScreen["str | None"]):
    BINDINGS = [Binding("escape", "back", "Back to the editor"), Binding("a", "all", "Distribute to all"),
                Binding("c", "canary", "Canary-first")]

    def __init__(self, title: str, plans: Sequence[Any], *, preamble: Text | None = None,
                 canaries: Sequence[str] = ()) -> None:
        super().__init__(classes="dialog")
        self._title = title
        self.plans = list(plans)
        self._preamble = preamble
        self._canaries = list(canaries)

    def compose(self) -> ComposeResult:
        palette = Palette()
        parts: list[Any] = [self._preamble] if self._preamble else []
        narrow = self.app.size.width < 120
        for p in self.plans:
            parts += [live_plan_table(p, palette, narrow=narrow), live_unknown_text(p, palette),
                      live_findings_text(p, palette)]
        self.body = Group(*parts)
        canary = f": {', '.join(self._canaries)}" if self._canaries else ""
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, id="rule-plan-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("All (a)", id="all", variant="primary")
                yield Button(f"Canary-first{canary} (c)", id="canary")
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        # the choice must stay on screen: the table scrolls instead (title, buttons, borders: 7 rows)
        self.query_one(".dialog-body").styles.max_height = max(4, min(36, self.app.size.height - 9))

    @on(Button.Pressed, "#all")
    def action_all(self) -> None:
        self.dismiss(ALL)

    @on(Button.Pressed, "#canary")
    def action_canary(self) -> None:
        self.dismiss(CANARY)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(None)
