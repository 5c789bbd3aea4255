"""State keeping over 100 simulated clusters x 20 applications (2 objects each: 4,000
live objects): seconds for one drift check of the whole fleet, with 1% of the objects
changed behind our back (repaired and recorded). Target <= 5 s."""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from bench.engine_common import setup, teardown

_parser = argparse.ArgumentParser(description=__doc__)
_parser.add_argument("--clusters", type=int, default=100)
_parser.add_argument("--apps", type=int, default=20)
_args = _parser.parse_args()
CLUSTERS, APPS = _args.clusters, _args.apps


def application(name: str) -> dict:
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-config"},
         "data": {"LOG_LEVEL": "info", "FEATURE": name}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},  # no selector: always healthy
         "spec": {"ports": [{"port": 80, "targetPort": 8080}]}},
    ]
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": name, "namespace": "bench"},
            "spec": {"components": [{"name": name, "type": "k8s-objects", "properties": {"objects": objects}}],
                     "policies": [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}]}}


async def main() -> None:
    sim, hub, store = await setup(CLUSTERS)
    try:
        t0 = time.perf_counter()
        for i in range(APPS):
            await hub.apply(application(f"app-{i:02d}"))
            result = await hub.engine.reconcile("bench", f"app-{i:02d}")
            assert result.phase == "running", result
        print(f"set-up: {APPS} applications on {CLUSTERS} clusters in {time.perf_counter() - t0:.1f} s")

        rng = random.Random(0)
        changed = 0
        for _ in range(CLUSTERS * APPS * 2 // 100):
            cluster = sim.cluster(rng.choice(sim.cluster_names))
            name = f"app-{rng.randrange(APPS):02d}-config"
            live = cluster.get("configmaps", "bench", name)
            if live["data"].get("LOG_LEVEL") != "debug":
                cluster.update("configmaps", {**live, "data": {**live["data"], "LOG_LEVEL": "debug"}})
                changed += 1

        t1 = time.perf_counter()
        report = await hub.engine.keep_state()
        t_check = time.perf_counter() - t1
        print(f"drift check: {report.checked} objects checked, {report.drifted} drifted ({changed} changed), "
              f"{report.repaired} repaired, errors: {len(report.errors)}")
        print(f"one drift check of {CLUSTERS} clusters x {APPS} applications: {t_check:.2f} s (target <= 5 s)")
        t2 = time.perf_counter()
        clean = await hub.engine.keep_state()
        print(f"a check with nothing drifted: {time.perf_counter() - t2:.2f} s ({clean.drifted} drifted)")
    finally:
        await teardown(sim, hub, store)


if __name__ == "__main__":
    asyncio.run(main())
