"""Errors in the user's own files (kubeconfig, fleet file): always say which file and why."""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem the user has to fix; the message names the file (and line)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path:
            where = f"{path}:{line}: " if line else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line
        self.detail = message
