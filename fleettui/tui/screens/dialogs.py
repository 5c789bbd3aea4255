"""Small modal dialogs for actions: a path prompt, a confirmation (with a plan), the clusters of a
service action."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

if TYPE_CHECKING:
    from fleettui.engine.mcs_actions import ServiceAction  # noqa: F401 - named in a quoted base class


class PathPrompt(ModalScreen[Path | None]):
    """Ask for an Application file; the path must name a readable file. Subclasses ask for
    other paths by saying what is wrong with one (`problem`)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    PLACEHOLDER = "path/to/application.yaml"
    INPUT_ID = "path"

    def __init__(self, title: str, *, value: str = "") -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            yield Input(value=self._value, placeholder=self.PLACEHOLDER, id=self.INPUT_ID)
            yield Static("", id=f"{self.INPUT_ID}-error", classes="dialog-error")

    def problem(self, path: Path) -> str | None:
        return None if path.is_file() else f"{path}: no such file"

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        path = Path(text).expanduser()
        said = "give a path" if not text else self.problem(path)
        if said:
            self.query_one(f"#{self.INPUT_ID}-error", Static).update(said)
        else:
            self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Yes/no, with whatever the user must see before saying yes (a plan, a warning)."""

    BINDINGS = [Binding("escape", "no", "Cancel"), Binding("n", "no", "No"), Binding("y", "yes", "Yes")]

    def __init__(self, title: str, body: RenderableType = "", *, yes: str = "Apply") -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._body = body
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self._body)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self._yes} (y)", id="yes", variant="primary")
                yield Button("Cancel (n)", id="no")

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class ServiceActionPrompt(ModalScreen["ServiceAction | None"]):
    """Which clusters an export, unexport or import of one service is about; the
    action's own checks (a consumer is not the provider, import needs consumers) say
    what is wrong here, before any preview."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, verb: str, namespace: str, name: str, *, cluster: str = "") -> None:
        super().__init__(classes="dialog")
        self.verb, self.namespace, self.name_ = verb, namespace, name
        self._cluster = cluster

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(f"{self.verb.capitalize()} {self.namespace}/{self.name_}", classes="dialog-title")
            where = "provider cluster (where the Service runs)"
            yield Input(value=self._cluster, placeholder=where, id="service-cluster")
            if self.verb == "import":
                yield Input(placeholder="into consumer clusters, comma-separated", id="service-to")
            yield Static("", id="service-error", classes="dialog-error")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        from fleettui.engine.mcs_actions import ServiceAction, ServiceActionError

        cluster = self.query_one("#service-cluster", Input).value.strip()
        to = ()
        if self.verb == "import":
            raw = self.query_one("#service-to", Input).value
            to = tuple(c.strip() for c in raw.split(",") if c.strip())
        if not cluster:
            self.query_one("#service-error", Static).update("give the provider cluster")
            return
        try:
            action = ServiceAction(self.verb, self.namespace, self.name_, cluster, to)
        except ServiceActionError as exc:
            self.query_one("#service-error", Static).update(str(exc))
            return
        self.dismiss(action)

    def action_cancel(self) -> None:
        self.dismiss(None)
