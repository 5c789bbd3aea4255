"""The rule editor: a rule set file (an Application carrying a PrometheusRule, or a bare
PrometheusRule) in a YAML code editor. Ctrl+S runs the offline checks on every
cluster's variant (`alerts.editing.check_text`: YAML line:column, schema, promtool) in
a thread; a problem is listed under the buffer, which keeps its text and cursor, and
nothing is written anywhere. When the checks pass: the hub's plan, then a yes
dismisses with the documents to distribute (the path `fleettui rules apply` takes:
`hub.apply`). Esc asks before it throws an edit away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from fleettui.alerts.editing import EditCheck, check_text
from fleettui.engine.render import MemberCluster
from fleettui.tui.rollout_renderers import plan_table
from fleettui.tui.screens.dialogs import Confirm

Planner = Callable[[dict[str, Any]], Awaitable[tuple[Any, list[Any]]]]


@dataclass(frozen=True)
class RuleEdit:
    path: Path
    text: str
    documents: tuple[dict[str, Any], ...]


def variant_lines(check: EditCheck) -> Text:
    out = Text()
    for rs, variants in check.variants:
        out.append(f"{rs.name}\n", style="bold")
        for v in variants:
            changes = "; ".join(f"{p}: {a!r} → {b!r}" for p, a, b in v.changes)
            out.append(f"  {v.cluster}  {v.label}{'  ' + changes if changes else ''}\n")
    for f in check.findings:  # warnings only here: an error stops before the plan
        out.append(f"{f}\n", style="yellow")
    return out


class RuleEditor(ModalScreen["RuleEdit | None"]):
    # priority: the code editor would take Esc to let go of the focus
    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True),
                Binding("ctrl+s", "save", "Check and plan", priority=True)]

    DEFAULT_CSS = """
    RuleEditor .dialog-box { height: 90%; }
    RuleEditor TextArea { height: 1fr; }
    RuleEditor #rule-editor-problems { height: auto; max-height: 8; }
    """

    def __init__(self, path: Path, text: str, fleet: Sequence[MemberCluster], planner: Planner | None) -> None:
        super().__init__(classes="dialog")
        self.path, self.original = path, text
        self.fleet = list(fleet)
        self._planner = planner
        self.check: EditCheck | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(f"{self.path.name}  (Ctrl+S checks every cluster's variant and plans; Esc cancels)"),
                         classes="dialog-title")
            yield TextArea.code_editor(self.original, language="yaml", id="rule-editor", soft_wrap=False)
            yield Static("", id="rule-editor-problems", classes="dialog-error")

    def on_mount(self) -> None:
        self.editor.focus()

    @property
    def editor(self) -> TextArea:
        return self.query_one("#rule-editor", TextArea)

    def _say(self, text: str | Text) -> None:
        # Text, not markup: promtool's and the checks' messages hold `[cluster]` and PromQL brackets
        self.query_one("#rule-editor-problems", Static).update(Text(text) if isinstance(text, str) else text)

    def action_save(self) -> None:
        self._say("checking every variant (schema, promtool)…")
        self._check(self.editor.text)

    @work(exclusive=True, group="rule-check", exit_on_error=False)
    async def _check(self, text: str) -> None:
        check = await asyncio.to_thread(check_text, text, self.fleet, source=self.path.name)
        self.check = check
        if not check.ok:
            self._say("\n".join(check.problems()))
            return
        plans = []
        for rs in check.rulesets:
            if self._planner is None:
                break
            try:
                plans.append(await self._planner(rs.document))
            except Exception as exc:  # the hub's sentence names the application and field
                self._say(str(exc) or type(exc).__name__)
                return
        self._say("")
        edit = RuleEdit(self.path, text, tuple(rs.document for rs in check.rulesets))
        body = Group(variant_lines(check), *(plan_table(plan) for _, plan in plans if plan))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(edit)

        self.app.push_screen(Confirm(f"Distribute {', '.join(rs.name for rs in check.rulesets)}", body,
                                     yes="Distribute"), confirmed)

    def action_cancel(self) -> None:
        if self.editor.text == self.original:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(Confirm("Throw the edit away?", f"{self.path} keeps what it had.", yes="Discard"),
                             answered)
