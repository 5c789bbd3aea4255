"""The rule editor's override form: the rule set's per-cluster differences, one row each
(target → rule → field → value), added, edited and removed through `alerts.overrides`
(which writes the Application's override policies with `rulesets.add_override`).

Every input is checked before the document changes: an unknown cluster, a selector that
is not `k=v,...`, a rule the set lacks, a value that cannot be one, is said under the
form, which keeps what was typed. Esc hands the document back to the editor (None when
nothing changed); each cluster's variant is shown as the rows change."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import yaml
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, Static

from fleettui.alerts import overrides, rulesets
from fleettui.alerts.overrides import Override, OverrideError
from fleettui.engine.errors import EngineError
from fleettui.engine.render import MemberCluster

HINT = ("Enter on a row: edit it  Ctrl+S: save the override  Del: remove the row's override  "
        "Esc: back to the editor")


def variant_summary(doc: dict[str, Any], fleet: Sequence[MemberCluster]) -> Text:
    """`rules render` in one line per cluster: its variant and what its overrides change."""
    out = Text()
    try:
        (rs,) = rulesets.load(yaml.safe_dump(doc, sort_keys=False), source="form")
        placed = rulesets.variants(rs, fleet)
    except (rulesets.RuleSetError, EngineError, ValueError) as exc:
        return Text(f"variants unknown: {exc}", style="yellow")
    width = max((len(v.cluster) for v in placed), default=0)
    for v in placed:
        changes = "; ".join(f"{p}: {a!r} → {b!r}" for p, a, b in v.changes)
        out.append(f"{v.cluster:<{width}}", style="bold")
        out.append(f"  {v.label}{'  ' + changes if changes else ''}\n")
    out.rstrip()
    return out


class OverrideForm(ModalScreen["dict[str, Any] | None"]):
    BINDINGS = [Binding("escape", "done", "Back"), Binding("ctrl+s", "save", "Save override", priority=True),
                Binding("delete", "remove", "Remove")]

    DEFAULT_CSS = """
    OverrideForm #override-list { height: 1fr; min-height: 4; }
    OverrideForm .form-row { height: auto; }
    OverrideForm .form-row > Label { width: 8; padding-top: 0; color: $text-muted; }
    OverrideForm .form-row > Input, OverrideForm .form-row > Select { width: 1fr; }
    OverrideForm #override-variants { height: auto; max-height: 8; }
    OverrideForm .dialog-hint { color: $text-muted; }
    """

    def __init__(self, document: dict[str, Any], fleet: Sequence[MemberCluster]) -> None:
        super().__init__(classes="dialog")
        self.original = document
        self.document = copy.deepcopy(document)
        self.fleet = list(fleet)
        self.editing: Override | None = None
        self.rows: list[Override] = []

    def compose(self) -> ComposeResult:
        _, base = overrides._base(self.document)
        rules = rulesets.rule_names(base)
        with Vertical(classes="dialog-box"):
            yield Static("Per-cluster overrides (written as override policies; the file is saved as plain YAML)",
                         classes="dialog-title")
            yield Static(HINT, classes="dialog-hint")
            yield DataTable(id="override-list", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="form-row"):
                yield Label("name")
                yield Input(placeholder="blank: <rule>-<field>", id="ov-name", compact=True)
                yield Label("target")
                yield Input(placeholder="clusters a,b or selector env=edge", id="ov-target", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("rule")
                yield Select([(r, r) for r in rules], prompt="rule", id="ov-rule", compact=True)
                yield Label("field")
                yield Select([(f, f) for f in overrides.FIELDS], value="expr threshold", allow_blank=False,
                             id="ov-field", compact=True)
                yield Label("value")
                yield Input(placeholder="0.5 / 10m / critical", id="ov-value", compact=True)
            yield Static("", id="override-error", classes="dialog-error")
            yield Static("", id="override-variants")

    def on_mount(self) -> None:
        table = self.table
        for key, label in (("name", "OVERRIDE"), ("target", "TARGET"), ("rule", "RULE"), ("field", "FIELD"),
                           ("value", "VALUE")):
            table.add_column(label, key=key)
        self._redraw()
        self.query_one("#ov-target", Input).focus()

    @property
    def table(self) -> DataTable:
        return self.query_one("#override-list", DataTable)

    def _error(self, text: str) -> None:
        self.query_one("#override-error", Static).update(Text(text))

    def _redraw(self) -> None:
        self.rows = overrides.listing(self.document)
        table = self.table
        table.clear()
        for i, o in enumerate(self.rows):
            value = "(rule off)" if o.field == "disabled" else str(o.value)
            table.add_row(o.name, o.target, o.rule, o.field, Text(value, no_wrap=True, overflow="ellipsis"),
                          key=str(i))
        if not self.rows:
            table.add_row(Text("no overrides: every cluster gets the base", style="italic"), "", "", "", "",
                          key="none")
        self.query_one("#override-variants", Static).update(variant_summary(self.document, self.fleet))

    def _selected(self) -> Override | None:
        if not self.rows or self.table.cursor_row >= len(self.rows):
            return None
        return self.rows[self.table.cursor_row]

    @on(DataTable.RowSelected, "#override-list")
    def _edit(self, event: DataTable.RowSelected) -> None:
        o = self._selected()
        if o is None:
            return
        self.editing = o
        self.query_one("#ov-name", Input).value = o.name
        self.query_one("#ov-target", Input).value = o.target
        rule = self.query_one("#ov-rule", Select)
        if o.rule in rulesets.rule_names(overrides._base(self.document)[1]):
            rule.value = o.rule
        field = o.field if o.field in overrides.FIELDS else "expr"
        self.query_one("#ov-field", Select).value = field
        self.query_one("#ov-value", Input).value = "" if o.value is None else str(o.value)
        self._error(f"editing {o.name}: change the fields, Ctrl+S saves")
        self.query_one("#ov-value", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        rule = self.query_one("#ov-rule", Select).value
        try:
            self.document = overrides.set_override(
                self.document, name=self.query_one("#ov-name", Input).value,
                target=self.query_one("#ov-target", Input).value,
                rule="" if rule is Select.NULL else str(rule),
                field=str(self.query_one("#ov-field", Select).value),
                value=self.query_one("#ov-value", Input).value,
                fleet=[m.name for m in self.fleet], replacing=self.editing)
        except (OverrideError, ValueError) as exc:  # the fields keep what was typed
            self._error(str(exc))
            return
        self.editing = None
        for field in ("#ov-name", "#ov-value"):
            self.query_one(field, Input).value = ""
        self._error("")
        self._redraw()

    def action_remove(self) -> None:
        o = self._selected()
        if o is None:
            self._error("no override selected")
            return
        self.document = overrides.remove_override(self.document, o.name)
        self.editing = None
        self._error(f"removed {o.name}")
        self._redraw()

    def action_done(self) -> None:
        self.dismiss(None if self.document == self.original else self.document)
