"""The `Hub` interface: where applications are declared and operated. The TUI and the
CLI both go through it, for the local hub (SQLite store, engine in-process) and
for a Kubernetes hub (Application CRs; our controller or real KubeVela runs them).

Every operation answers with a sentence for the operator; errors are
`EngineError`s naming the application (and cluster and field when known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from fleettui.config.mode import WriteRefused
from fleettui.engine.errors import EngineError
from fleettui.store.apps import AppRow


class ReadOnlyRefused(EngineError, WriteRefused):
    """A mutating operation in read-only mode: refused before anything is written."""


@dataclass(frozen=True)
class PlanEntry:
    """Which cluster gets what from which deploy step (shown before confirming an apply)."""

    step: str
    cluster: str
    objects: tuple[str, ...]  # "Kind namespace/name"
    overrides: tuple[str, ...] = ()  # "component.path: before -> after"
    placement: tuple[str, ...] = ()  # why this cluster was (or, with no objects, was not) chosen


@dataclass(frozen=True)
class ApplyResult:
    namespace: str
    name: str
    action: str  # created | configured | unchanged
    plan: tuple[PlanEntry, ...] = ()


@dataclass(frozen=True)
class StatusRow:
    """One row of `app status`: one resource on one cluster."""

    cluster: str
    component: str
    kind: str
    namespace: str
    name: str
    healthy: bool | None
    message: str
    placement: str = ""  # placement state on that cluster (local hub)


@dataclass(frozen=True)
class AppStatus:
    application: dict[str, Any]  # the Application with its KubeVela-shaped status
    rows: tuple[StatusRow, ...] = field(default_factory=tuple)

    @property
    def status(self) -> dict[str, Any]:
        return self.application.get("status") or {}


class Hub(Protocol):
    name: str

    @property
    def read_only(self) -> bool: ...  # a property: the hubs' is read-only

    async def plan(self, document: dict[str, Any]) -> tuple[Any, list[PlanEntry]]: ...

    async def apply(self, document: dict[str, Any]) -> ApplyResult: ...

    async def apply_external(self, obj: dict[str, Any]) -> str: ...

    async def list(self) -> list[AppRow]: ...

    async def get(self, namespace: str, name: str) -> dict[str, Any] | None: ...

    async def status(self, namespace: str, name: str) -> AppStatus: ...

    async def resume(self, namespace: str, name: str, step: str | None = None) -> str: ...

    async def suspend(self, namespace: str, name: str, step: str | None = None) -> str: ...

    async def terminate(self, namespace: str, name: str) -> str: ...

    async def skip_cluster(self, namespace: str, name: str, cluster: str) -> str: ...

    async def restart(self, namespace: str, name: str, step: str | None = None) -> str: ...

    async def rollback(self, namespace: str, name: str, revision: str | int | None = None) -> str: ...

    async def delete(self, namespace: str, name: str) -> str: ...

    async def close(self) -> None: ...
