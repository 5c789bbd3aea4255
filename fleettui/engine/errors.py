"""Errors the engine reports: always naming the application, and the cluster and field when known."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an Application, at a field path like `spec.components[0].type`."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class EngineError(Exception):
    """Base class; `str()` is a sentence for the operator."""


class AppInvalid(EngineError):
    """The Application document is refused; nothing was stored or applied."""

    def __init__(self, app: str, problems: list[Problem]) -> None:
        self.app = app
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"application {app} is invalid:\n{lines}")


class RenderError(EngineError):
    """A placement cannot be rendered (topology matches nothing, a ref-object is missing ...)."""

    def __init__(self, app: str, message: str, *, cluster: str | None = None, field: str | None = None) -> None:
        self.app = app
        self.cluster = cluster
        self.field = field
        where = f" on cluster {cluster}" if cluster else ""
        at = f" ({field})" if field else ""
        super().__init__(f"application {app}{where}: {message}{at}")


class NotFoundError(EngineError):
    pass


class OperationRefused(EngineError):
    """A workflow operation that does not apply now (e.g. resume of a terminated workflow)."""
