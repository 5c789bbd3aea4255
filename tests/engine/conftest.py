"""Engine fixtures: a store, the simulator's member clusters as a Fleet (labels from
the hub's ManagedClusters), and a local-hub engine on the simulator's virtual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine.engine import Engine, PassResult
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_local import LocalHub
from fleettui.store import Store
from fleettui.store.apps import AppStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "cache.db")
    try:
        yield s
    finally:
        await s.close()


def cluster_labels(sim) -> dict[str, dict[str, str]]:
    hub = sim.cluster("hub")
    return {m["metadata"]["name"]: dict(m["metadata"].get("labels") or {})
            for m in hub.list("managedclusters.cluster.open-cluster-management.io")}


@pytest.fixture
async def fleet(sim, kubeconfig_path) -> AsyncIterator[Fleet]:
    kc = load_kubeconfig(str(kubeconfig_path))
    f = Fleet.from_kubeconfig(kc, contexts=sim.cluster_names, labels=cluster_labels(sim), timeout=3.0)
    try:
        yield f
    finally:
        await f.close()


@pytest.fixture
async def hub(store, fleet, sim) -> LocalHub:
    records = AppStore(store)
    engine = Engine_for(records, fleet, sim)
    return LocalHub(records, engine=engine, clock=sim.clock.now)


def Engine_for(records: AppStore, fleet: Fleet, sim, **kw) -> Engine:  # noqa: N802
    from fleettui.engine.source import LocalSource

    return Engine(LocalSource(records), records, fleet, clock=sim.clock.now, **kw)


async def settle(hub: LocalHub, sim, namespace: str, name: str, *, passes: int = 30,
                 step: float = 2.0) -> PassResult:
    """Reconcile, advancing the simulated clusters between passes, until the workflow
    waits on nothing the engine can do."""
    result = None
    for _ in range(passes):
        result = await hub.engine.reconcile(namespace, name)
        if result.settled:
            return result
        await sim.advance(step, step=1.0)
    assert result is not None
    return result
