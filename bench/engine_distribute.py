"""Distribute an application of 5 objects to 100 simulated clusters: seconds until every
placement is applied (server-side apply on every cluster, ownership checks included;
the simulated rollout that follows is not counted). Target <= 5 s."""

from __future__ import annotations

import argparse
import asyncio
import time

from bench.engine_common import application, setup, teardown

_parser = argparse.ArgumentParser(description=__doc__)
_parser.add_argument("--clusters", type=int, default=100)
CLUSTERS = _parser.parse_args().clusters


async def main() -> None:
    sim, hub, store = await setup(CLUSTERS)
    try:
        applied_at: dict[str, float] = {}
        save = hub.records.save_placement

        async def timed_save(namespace, app, cluster, **kw):  # when each placement is recorded applied
            await save(namespace, app, cluster, **kw)
            if kw["state"] == "applied":
                applied_at[cluster] = time.perf_counter()

        hub.records.save_placement = timed_save  # type: ignore[method-assign]
        t0 = time.perf_counter()
        await hub.apply(application("web"))
        t_plan = time.perf_counter() - t0
        t1 = time.perf_counter()
        result = await hub.engine.reconcile("bench", "web")  # applies every placement, then reads health once
        t_pass = time.perf_counter() - t1
        assert len(applied_at) == CLUSTERS, f"only {len(applied_at)} placements applied"
        present = sum(1 for c in sim.cluster_names if sim.cluster(c).get("deployments.apps", "bench", "web"))
        writes = sim.mutations()
        print(f"clusters: {CLUSTERS}, objects per cluster: 5, deployments present: {present}, "
              f"mutating requests: {writes}")
        print(f"validate + plan (render for every cluster): {t_plan:.2f} s")
        print(f"every placement applied in: {max(applied_at.values()) - t1:.2f} s (target <= 5 s)")
        print(f"whole first pass (plus one health read of every object): {t_pass:.2f} s, phase {result.phase}")
    finally:
        await teardown(sim, hub, store)


if __name__ == "__main__":
    asyncio.run(main())
