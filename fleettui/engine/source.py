"""Where Applications (documents and status) live for the engine: the local store, or
Application CRs on a Kubernetes hub (`hub_kube.KubeSource`). Status writes are
compare-and-swap, so a workflow operation written meanwhile is never overwritten."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from fleettui.store.apps import AppStore


@dataclass(frozen=True)
class AppState:
    namespace: str
    name: str
    document: dict[str, Any]
    status: dict[str, Any]
    rv: str  # compare-and-swap token
    deleting: bool
    generation: int = 1
    next_wakeup: float | None = None


class AppSource(Protocol):
    hub: str

    async def keys(self) -> list[tuple[str, str]]: ...

    async def load(self, namespace: str, name: str) -> AppState | None: ...

    async def save_status(self, state: AppState, status: dict[str, Any], *, now: float,
                          next_wakeup: float | None) -> str | None:
        """The new rv, or None when the application changed meanwhile."""
        ...

    async def finalize_delete(self, state: AppState) -> None: ...


class LocalSource:
    """The local hub: documents and status in the SQLite store."""

    def __init__(self, records: AppStore) -> None:
        self.records = records
        self.hub = records.hub

    async def keys(self) -> list[tuple[str, str]]:
        return [(r.namespace, r.name) for r in await self.records.app_records()]

    async def load(self, namespace: str, name: str) -> AppState | None:
        rec = await self.records.get_app(namespace, name)
        if rec is None:
            return None
        return AppState(rec.namespace, rec.name, rec.document, rec.status, str(rec.status_rv), rec.deleting,
                        rec.generation, rec.next_wakeup)

    async def save_status(self, state: AppState, status: dict[str, Any], *, now: float,
                          next_wakeup: float | None) -> str | None:
        rv = await self.records.save_status(state.namespace, state.name, status, now=now,
                                            next_wakeup=next_wakeup, expect_rv=int(state.rv))
        return None if rv is None else str(rv)

    async def finalize_delete(self, state: AppState) -> None:
        await self.records.remove_app(state.namespace, state.name)
