"""Small forms for the membership actions on the hub: a taint (key, value, effect), which
taint to remove, labels, a clusterset. Each checks its input with the same parser the
`fleettui cluster` command uses and says what is wrong under the fields, before anything
is sent; Esc cancels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, Static

from fleettui.config.labels import parse_label_args
from fleettui.engine.membership import TAINT_EFFECTS, MembershipError, Taint


class _Form(ModalScreen[Any]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "submit", "OK")]

    def __init__(self, title: str) -> None:
        super().__init__(classes="dialog")
        self._title = title

    def fields(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            yield from self.fields()
            yield Static("Enter or Ctrl+S: OK   Esc: cancel", classes="dialog-hint")
            yield Static("", id="form-error", classes="dialog-error")

    def error(self, text: str) -> None:
        self.query_one("#form-error", Static).update(text)

    def value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(None)


class TaintForm(_Form):
    """A taint for a ManagedCluster; dismisses with a `membership.Taint`."""

    def __init__(self, cluster: str) -> None:
        super().__init__(f"Taint cluster {cluster} (OCM placements skip it unless they tolerate it)")

    def fields(self) -> ComposeResult:
        yield Input(placeholder="key, e.g. maintenance", id="taint-key")
        yield Input(placeholder="value (optional)", id="taint-value")
        yield Select([(e, e) for e in TAINT_EFFECTS], value=TAINT_EFFECTS[0], allow_blank=False,
                     id="taint-effect")

    def action_submit(self) -> None:
        key, value = self.value("taint-key"), self.value("taint-value")
        effect = str(self.query_one("#taint-effect", Select).value)
        if not key:
            self.error("give the taint's key")
            return
        try:  # the CLI's parser: one spelling of a valid taint
            taint = Taint.parse(f"{key}{'=' + value if value else ''}:{effect}")
        except MembershipError as exc:
            self.error(str(exc))
            return
        self.dismiss(taint)


@dataclass(frozen=True)
class TaintRef:
    key: str
    effect: str | None


class UntaintForm(_Form):
    """Which of the cluster's taints to remove; dismisses with a `TaintRef`."""

    def __init__(self, cluster: str, taints: Sequence[Mapping[str, Any]]) -> None:
        super().__init__(f"Remove a taint from cluster {cluster}")
        self._taints = [t for t in taints if t.get("key")]

    def fields(self) -> ComposeResult:
        options = [(f"{t['key']}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect', '')}", i)
                   for i, t in enumerate(self._taints)]
        yield Select(options, value=0, allow_blank=False, id="untaint-which")

    def action_submit(self) -> None:
        t = self._taints[int(self.query_one("#untaint-which", Select).value)]  # type: ignore[arg-type]  # options are ints
        self.dismiss(TaintRef(str(t["key"]), t.get("effect") or None))


@dataclass(frozen=True)
class LabelChange:
    to_set: dict[str, str]
    to_remove: list[str]
    overwrite: bool


class LabelForm(_Form):
    """Labels to set or remove on the hub (ManagedCluster and KubeVela cluster secret)."""

    def __init__(self, cluster: str) -> None:
        super().__init__(f"Label cluster {cluster} on the hub")

    def fields(self) -> ComposeResult:
        yield Input(placeholder="KEY=VALUE sets, KEY- removes (space-separated)", id="labels")
        yield Checkbox("change a label that already has another value", id="labels-overwrite")

    def action_submit(self) -> None:
        words = self.value("labels").split()
        if not words:
            self.error("give KEY=VALUE or KEY-")
            return
        try:  # `fleettui cluster hub-label`'s parser
            to_set, to_remove = parse_label_args(words)
        except ValueError as exc:
            self.error(str(exc))
            return
        self.dismiss(LabelChange(to_set, to_remove, self.query_one("#labels-overwrite", Checkbox).value))


class ClustersetForm(_Form):
    """The ManagedClusterSet to put the cluster in; dismisses with its name."""

    def __init__(self, cluster: str, current: str = "") -> None:
        super().__init__(f"Put cluster {cluster} in a ManagedClusterSet")
        self._current = current

    def fields(self) -> ComposeResult:
        yield Input(value=self._current, placeholder="clusterset name (it must exist on the hub)",
                    id="clusterset")

    def action_submit(self) -> None:
        name = self.value("clusterset")
        if not name:
            self.error("give the clusterset's name")
            return
        self.dismiss(name)
