"""Shared set-up for the engine benchmarks: a simulator of N clusters, a Fleet on it,
a local hub on a fresh cache."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine.engine import Engine
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_local import LocalHub
from fleettui.engine.source import LocalSource
from fleettui.sim import Simulator
from fleettui.store import Store
from fleettui.store.apps import AppStore


async def setup(clusters: int, *, concurrency: int = 32) -> tuple[Simulator, LocalHub, Any]:
    sim = Simulator(clusters=clusters, seed="empty", clock_speed=1.0, rng_seed=0)
    sim.clock.freeze()
    await sim.start(host="127.0.0.1", port=0)
    tmp = Path(tempfile.mkdtemp(prefix="fleettui-bench-"))
    kc = load_kubeconfig(str(sim.write_kubeconfig(tmp / "kubeconfig")))
    fleet = Fleet.from_kubeconfig(kc, contexts=sim.cluster_names, labels={n: {"env": "prod"} for n in sim.cluster_names})
    store = await Store.open(tmp / "cache.db")
    records = AppStore(store)
    engine = Engine(LocalSource(records), records, fleet, clock=sim.clock.now, concurrency=concurrency)
    return sim, LocalHub(records, engine=engine, clock=sim.clock.now), store


async def teardown(sim: Simulator, hub: LocalHub, store: Store) -> None:
    await hub.close()
    await store.close()
    await sim.stop()


def application(name: str, namespace: str = "bench", *, objects: int = 5) -> dict[str, Any]:
    """An application of `objects` objects: a Deployment, a Service, ConfigMaps."""
    objs: list[dict[str, Any]] = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}},
    ]
    objs += [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-cfg-{i}"},
              "data": {"key": f"value-{i}"}} for i in range(objects - len(objs))]
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"components": [{"name": name, "type": "k8s-objects", "properties": {"objects": objs[:objects]}}],
                     "policies": [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}]}}
