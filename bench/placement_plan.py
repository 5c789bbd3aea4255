"""The plan of a batched rollout over 100 clusters: validation, rendering for every
cluster, waves of 10 ordered by a priority label, replicas split by weights — what
`fleettui app apply` shows before it runs. Target <= 1 s."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from fleettui.engine.engine import Engine
from fleettui.engine.fleet import Fleet
from fleettui.engine.hub_local import LocalHub
from fleettui.engine.render import MemberCluster
from fleettui.engine.source import LocalSource
from fleettui.store import Store
from fleettui.store.apps import AppStore

_parser = argparse.ArgumentParser(description=__doc__)
_parser.add_argument("--clusters", type=int, default=100)
_args = _parser.parse_args()
TARGET = 1.0


def application(names: list[str]) -> dict:
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": "storefront", "namespace": "shop"},
            "spec": {"components": [{"name": "web", "type": "webservice",
                                     "properties": {"image": "registry.example.com/web:2.0", "cpu": "250m",
                                                    "memory": "256Mi", "ports": [{"port": 8080, "expose": True}]},
                                     "traits": [{"type": "scaler", "properties": {"replicas": 3}},
                                                {"type": "env", "properties": {"env": {"TIER": "web"}}}]}],
                     "policies": [{"name": "fleet", "type": "topology", "properties": {"clusterLabelSelector": {}}},
                                  {"name": "split", "type": "replica-split", "properties": {
                                      "replicas": 300, "weights": [{"cluster": n, "weight": 1 + i % 3}
                                                                   for i, n in enumerate(names)]}}],
                     "workflow": {"steps": [{"name": "rollout", "type": "deploy", "properties": {
                         "policies": ["fleet", "split"],
                         "batches": {"size": 10, "order": {"byLabel": "fleettui.io/priority"},
                                     "pauseAfterFirst": True}}}]}}}


def _no_client(name: str):  # the plan never contacts a cluster
    raise AssertionError(f"plan contacted {name}")


async def run() -> None:
    names = [f"c{i:03d}" for i in range(_args.clusters)]
    fleet = Fleet([MemberCluster(n, {"fleettui.io/priority": str(i % 7)}) for i, n in enumerate(names)], _no_client)
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(Path(tmp) / "cache.db")
        try:
            records = AppStore(store)
            hub = LocalHub(records, engine=Engine(LocalSource(records), records, fleet))
            t0 = time.perf_counter()
            _app, plan = await hub.plan(application(names))
            seconds = time.perf_counter() - t0
        finally:
            await store.close()
    waves = {p for e in plan for p in e.placement if p.startswith("wave")}
    verdict = "ok" if seconds <= TARGET else "SLOW"
    print(f"placement_plan: {_args.clusters} clusters, {len(plan)} placements, {len(waves)} waves, "
          f"replicas split -> planned in {seconds:.3f} s (target <= {TARGET} s) {verdict}")


if __name__ == "__main__":
    asyncio.run(run())
