"""Ask where to write an export: the user confirms (or edits) the path before anything is written."""

from __future__ import annotations

from pathlib import Path

from fleettui.tui.screens.dialogs import PathPrompt


class SavePrompt(PathPrompt):
    PLACEHOLDER = "path/to/export.csv"
    INPUT_ID = "save-path"

    def problem(self, path: Path) -> str | None:
        if path.is_dir():
            return f"{path} is a directory"
        if not path.parent.is_dir():
            return f"{path.parent}: no such directory"
        return None
