"""The rule editor: a rule set file (an Application carrying a PrometheusRule, or a bare
PrometheusRule) in a YAML code editor, each cluster's variant shown under it as the
text changes, and Ctrl+O for the per-cluster override form.

Ctrl+S, before anything is written anywhere: (1) offline, every cluster's variant
(`alerts.editing.check_text`: YAML line:column, schema, promtool) in a thread; (2) live,
per target cluster against its own Prometheus (`alerts.planning`: the version cut-offs,
series present or why not, rate windows, the backtest and "now"), its requests in
FleetPrometheus' thread pool; a problem is listed under the buffer, which keeps its text
and cursor. (3) The plan (`RulePlan`): distribute to all, or canary-first. Then the
screen dismisses with the documents to distribute (the path `fleettui rules apply`
takes: `hub.apply`). Esc asks before it throws an edit away."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static, TextArea

from fleettui.alerts import rulesets
from fleettui.alerts.editing import EditCheck, check_text
from fleettui.alerts.planning import LivePlan, LivePlanner, live_planner
from fleettui.engine.render import MemberCluster
from fleettui.tui.screens.dialogs import Confirm
from fleettui.tui.screens.rule_overrides import OverrideForm, variant_summary
from fleettui.tui.screens.rule_plan import CANARY, RulePlan

Planner = Callable[[dict[str, Any]], Awaitable[tuple[Any, list[Any]]]]
LIVE_TIMEOUT = 120.0  # every request has its own timeout; this bounds the whole step


@dataclass(frozen=True)
class RuleEdit:
    path: Path
    text: str
    documents: tuple[dict[str, Any], ...]


def variant_lines(check: EditCheck) -> Text:
    """The plan's preamble: the variants that differ from the base, one line each (the
    table below names every cluster's variant)."""
    out = Text()
    for rs, variants in check.variants:
        base = sum(1 for v in variants if not v.changes)
        out.append(f"{rs.name}", style="bold")
        out.append(f": {base} of {len(variants)} cluster(s) get the base\n")
        for v in variants:
            if v.changes:
                changes = "; ".join(f"{p}: {a!r} → {b!r}" for p, a, b in v.changes)
                out.append(f"  {v.cluster}  {v.label}  {changes}\n")
    for f in check.findings:  # warnings only here: an error stops before the plan
        out.append(f"{f}\n", style="yellow")
    return out


class RuleEditor(ModalScreen["RuleEdit | None"]):
    # priority: the code editor would take Esc to let go of the focus
    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True),
                Binding("ctrl+s", "save", "Check and plan", priority=True),
                Binding("ctrl+o", "overrides", "Overrides", priority=True)]

    DEFAULT_CSS = """
    RuleEditor .dialog-box { height: 90%; }
    RuleEditor TextArea { height: 1fr; }
    RuleEditor #rule-editor-variants { height: auto; max-height: 5; color: $text-muted; }
    RuleEditor #rule-editor-problems { height: auto; max-height: 8; }
    """

    def __init__(self, path: Path, text: str, fleet: Sequence[MemberCluster], planner: Planner | None,
                 live: LivePlanner | None = None) -> None:
        super().__init__(classes="dialog")
        self.path, self.original = path, text
        self.fleet = list(fleet)
        self._planner = planner
        self._live = live or live_planner({})
        self.check: EditCheck | None = None
        self.plans: list[LivePlan] | None = None
        self._variants_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Text(f"{self.path.name}  (Ctrl+S checks, tests on each Prometheus and plans; "
                              "Ctrl+O overrides; Esc cancels)"), classes="dialog-title")
            yield TextArea.code_editor(self.original, language="yaml", id="rule-editor", soft_wrap=False)
            yield Static("", id="rule-editor-variants")
            yield Static("", id="rule-editor-problems", classes="dialog-error")

    def on_mount(self) -> None:
        self.editor.focus()
        self._show_variants(self.original)

    @property
    def editor(self) -> TextArea:
        return self.query_one("#rule-editor", TextArea)

    def _say(self, text: str | Text) -> None:
        # Text, not markup: promtool's and the checks' messages hold `[cluster]` and PromQL brackets
        self.query_one("#rule-editor-problems", Static).update(Text(text) if isinstance(text, str) else text)

    # -- each cluster's variant, as `rules render` says it, re-rendered as the text settles --

    @on(TextArea.Changed, "#rule-editor")
    def _changed(self) -> None:
        if self._variants_timer is not None:
            self._variants_timer.stop()
        self._variants_timer = self.set_timer(0.5, lambda: self._show_variants(self.editor.text))

    @work(exclusive=True, group="rule-variants", exit_on_error=False)
    async def _show_variants(self, text: str) -> None:
        summary = await asyncio.to_thread(self._variants_text, text)
        self.query_one("#rule-editor-variants", Static).update(summary)

    def _variants_text(self, text: str) -> Text:
        try:
            docs = rulesets.yaml_documents(text, source=self.path.name)
        except rulesets.RuleSetError:
            return Text("variants: (the YAML does not parse yet)")
        out = Text()
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == rulesets.RULE_KIND:
                doc = rulesets.wrap(doc)
            if isinstance(doc, dict):
                out.append_text(Text("\n") if out else Text()).append_text(variant_summary(doc, self.fleet))
        out.rstrip()
        return out

    # -- the override form --

    def action_overrides(self) -> None:
        try:
            docs = rulesets.yaml_documents(self.editor.text, source=self.path.name)
        except rulesets.RuleSetError as exc:
            self._say(f"overrides: fix the YAML first: {exc}")
            return
        if len(docs) != 1 or not isinstance(docs[0], dict):
            self._say("overrides: the form edits a file holding one rule set")
            return
        doc = rulesets.wrap(docs[0]) if docs[0].get("kind") == rulesets.RULE_KIND else docs[0]
        if rulesets._rule_component(doc) is None:
            self._say("overrides: no k8s-objects component carrying a PrometheusRule")
            return

        def done(changed: dict[str, Any] | None) -> None:
            if changed is None:
                return
            text = yaml.safe_dump(changed, sort_keys=False, allow_unicode=True, width=120)
            self.editor.replace(text, (0, 0), self.editor.document.end)  # one undo step
            self._show_variants(text)
            self._say("overrides written into the buffer: Ctrl+S checks and plans, Ctrl+Z undoes")

        self.app.push_screen(OverrideForm(doc, self.fleet), done)

    # -- save: offline, live, plan, then the choice of rollout --

    def action_save(self) -> None:
        self._say("checking every variant (schema, promtool)…")
        self._check(self.editor.text)

    @work(exclusive=True, group="rule-check", exit_on_error=False)
    async def _check(self, text: str) -> None:
        check = await asyncio.to_thread(check_text, text, self.fleet, source=self.path.name)
        self.check, self.plans = check, None
        if not check.ok:
            self._say("\n".join(check.problems()))
            return
        for rs in check.rulesets:
            if self._planner is None:
                break
            try:
                await self._planner(rs.document)
            except Exception as exc:  # the hub's sentence names the application and field
                self._say(str(exc) or type(exc).__name__)
                return
        self._say(f"checking {sum(len(vs) for _, vs in check.variants)} variant(s) against each cluster's "
                  "Prometheus: series, rate windows, backtest…")
        try:
            plans = await asyncio.wait_for(
                asyncio.gather(*(self._live(rs, vs) for rs, vs in check.variants)), LIVE_TIMEOUT)
        except TimeoutError:
            self._say(f"the live checks took longer than {LIVE_TIMEOUT:g}s: nothing was written")
            return
        self.plans = list(plans)
        errors = [f"{p.ruleset.name}: {f}" for p in plans for f in p.errors]
        if errors:
            self._say("\n".join(errors))
            return
        self._say("")
        canaries = [_canary(vs) for _, vs in check.variants]
        names = ", ".join(rs.name for rs in check.rulesets)

        def chosen(how: str | None) -> None:
            if how is None:
                return
            documents = tuple(rulesets.canary_first(rs, vs) if how == CANARY else rs.document
                              for rs, vs in check.variants)
            self.dismiss(RuleEdit(self.path, text, documents))

        self.app.push_screen(RulePlan(f"Distribute {names}", plans, preamble=variant_lines(check),
                                      canaries=[c for c in canaries if c]), chosen)

    def action_cancel(self) -> None:
        if self.editor.text == self.original:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(Confirm("Throw the edit away?", f"{self.path} keeps what it had.", yes="Discard"),
                             answered)


def _canary(placed: Sequence[Any]) -> str | None:
    """The cluster canary-first would start with (rulesets.canary_first's default)."""
    return next((v.cluster for v in placed if v.label == "base"), placed[0].cluster if placed else None)
