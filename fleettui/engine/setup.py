"""Building hubs for a front end (CLI, TUI) from what it already has: the store, the
kubeconfig and the fleet's members (name, context, labels — as `fleettui.sync.discovery`
finds them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fleettui.engine.engine import Engine
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_kube import KubeHub
from fleettui.engine.hub_local import LocalHub
from fleettui.engine.retry import RetryPolicy
from fleettui.engine.source import LocalSource
from fleettui.kube import ClusterClient
from fleettui.store import Store
from fleettui.store.apps import AppStore

if TYPE_CHECKING:
    from fleettui.config.kubeconfig import KubeConfig


def local_hub(store: Store, kubeconfig: KubeConfig, members: Sequence[tuple[Any, ...]], *,
              read_only: bool = False, timeout: float = 10.0, concurrency: int = 16,
              retry: RetryPolicy | None = None, prometheus: Mapping[str, str] | None = None) -> LocalHub:
    """The local hub with an engine on `members`; `close()` it to close the member clients.
    `prometheus`: cluster -> Prometheus URL (the fleet file's), for check-metrics gates."""
    records = AppStore(store)
    fleet = Fleet.from_members(kubeconfig, members, read_only=read_only, timeout=timeout, prometheus=prometheus)
    engine = Engine(LocalSource(records), records, fleet, concurrency=concurrency, retry=retry)
    return LocalHub(records, engine=engine, read_only=read_only)


def kube_hub(kubeconfig: KubeConfig, context: str, *, store: Store | None = None, read_only: bool = False,
             timeout: float = 10.0) -> KubeHub:
    """A Kubernetes hub (Application CRs on `context`); with `store`, rollback can use the
    revisions a local controller recorded."""
    client = ClusterClient.from_kubeconfig(kubeconfig, context=context, read_only=read_only, timeout=timeout)
    return KubeHub(client, read_only=read_only, records=AppStore(store, hub=context) if store else None)
