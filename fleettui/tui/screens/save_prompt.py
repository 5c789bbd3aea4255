"""Ask where to write an export: the user confirms (or edits) the path before anything is written."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class SavePrompt(ModalScreen[Path | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, value: str) -> None:
        super().__init__(classes="dialog")
        self._title = title
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(self._title, classes="dialog-title")
            yield Input(value=self._value, placeholder="path/to/export.csv", id="save-path")
            yield Static("", id="save-error", classes="dialog-error")

    @on(Input.Submitted, "#save-path")
    def _submit(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        path = Path(text).expanduser()
        error = self.query_one("#save-error", Static)
        if not text:
            error.update("give a path")
        elif path.is_dir():
            error.update(f"{path} is a directory")
        elif not path.parent.is_dir():
            error.update(f"{path.parent}: no such directory")
        else:
            self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
