"""The controller manager: every simulated controller over many SimClusters, on one virtual clock.

It owns what spans clusters (the reconcilers, their order, the timer queue) and
drives each cluster's `ClusterRuntime` (runtime.py says why it is event-driven).
It sits above the controllers: it imports the registry, which imports them, and
none of them imports it back.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging

from fleettui.sim.clock import VirtualClock
from fleettui.sim.cluster import SimCluster

from . import registry
from .runtime import ClusterRuntime, Key, Reconciler

log = logging.getLogger(__name__)

# A reconcile pass can make more work (a Deployment creates a ReplicaSet, which
# creates Pods, which the scheduler binds...). Following that chain inside one
# step keeps tests short, but a bound stops a misbehaving loop from spinning.
MAX_ROUNDS = 12


class ControllerManager:
    """Runs every simulated controller for a list of SimClusters on one virtual clock."""

    def __init__(self, clusters: list[SimCluster], clock: VirtualClock) -> None:
        self.clock = clock
        self.reconcilers: dict[str, Reconciler] = registry.reconcilers()
        self.order: list[str] = list(self.reconcilers)
        self.watched_resources: set[str] = set(self.reconcilers) | registry.EXTRA_WATCHED
        self._timers: list[tuple[float, int, int, str, Key]] = []
        self._seq = itertools.count()
        self.runtimes: list[ClusterRuntime] = []
        for cluster in clusters:
            self.add_cluster(cluster)

    def add_cluster(self, cluster: SimCluster) -> ClusterRuntime:
        index = len(self.runtimes)

        def schedule(when: float, resource: str, key: Key) -> None:
            self.schedule(when, index, resource, key)

        rt = ClusterRuntime(cluster, index, clock=self.clock, reconciled=self.reconcilers.keys(),
                            watched=self.watched_resources, schedule=schedule)
        self.runtimes.append(rt)
        return rt

    def schedule(self, when: float, index: int, resource: str, key: Key) -> None:
        heapq.heappush(self._timers, (when, next(self._seq), index, resource, key))

    def _fire_due_timers(self, now: float) -> None:
        while self._timers and self._timers[0][0] <= now:
            _, _, index, resource, key = heapq.heappop(self._timers)
            self.runtimes[index].dirty[resource].add(key)

    def step(self) -> None:
        """One synchronous reconcile pass at clock.now() over every cluster."""
        self._fire_due_timers(self.clock.now())
        for rt in self.runtimes:
            self.step_cluster(rt)

    def step_cluster(self, rt: ClusterRuntime) -> int:
        done = 0
        for _ in range(MAX_ROUNDS):
            work = rt.take_dirty()
            if not work:
                break
            for resource in self.order:
                keys = work.get(resource)
                if not keys:
                    continue
                reconcile = self.reconcilers[resource]
                for ns, name in sorted(keys):
                    try:
                        reconcile(rt, ns, name)
                    except Exception:
                        # One bad object must not stop the fleet: log and move on.
                        log.exception("%s: reconciling %s %s/%s failed", rt.name, resource, ns, name)
                    done += 1
        return done

    async def run(self, interval: float = 0.5) -> None:
        """Reconcile forever; yields to the event loop between clusters so serving stays responsive."""
        while True:
            self._fire_due_timers(self.clock.now())
            for rt in self.runtimes:
                if self.step_cluster(rt):
                    await asyncio.sleep(0)
            await self.clock.sleep(interval)

    def close(self) -> None:
        for rt in self.runtimes:
            rt.close()
