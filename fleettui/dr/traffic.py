"""Global traffic entries (the fleet file's `traffic:`), as GTM and multi-cluster
gateways resolve them — the terminal's model, no cloud API is called.

A pool is healthy when its cluster answers and, for a Service pool, the Service
has ready endpoints there (Ingress objects are not in the cache: an Ingress pool
is healthy while its cluster answers). The active pools are the healthy ones of
the best (lowest) priority; traffic is split among them by weight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fleettui.config.dr_policy import TrafficEntry, TrafficPool


@dataclass(frozen=True)
class PoolState:
    name: str
    cluster: str
    target: str  # "Service shop/frontend"
    priority: int
    weight: int
    healthy: bool
    reason: str
    share: float  # of the domain's traffic, 0 when not active


@dataclass(frozen=True)
class TrafficState:
    domain: str
    pools: tuple[PoolState, ...]

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.pools if p.share > 0)

    @property
    def serving(self) -> bool:
        return bool(self.active)


# (pool) -> (healthy, reason)
PoolHealth = Callable[[TrafficPool], tuple[bool, str]]


def resolve_entry(entry: TrafficEntry, health: PoolHealth) -> TrafficState:
    judged = [(p, *health(p)) for p in entry.pools]
    healthy = [p for p, ok, _ in judged if ok]
    best = min((p.priority for p in healthy), default=None)
    active = [p for p in healthy if p.priority == best]
    total = sum(p.weight for p in active)

    def share(p: TrafficPool) -> float:
        if p not in active:
            return 0.0
        # all-zero weights at the active priority: GTM spreads evenly rather than dropping the domain
        return (p.weight / total) if total else 1.0 / len(active)

    return TrafficState(entry.domain, tuple(
        PoolState(p.name, p.cluster, f"{p.kind} {p.namespace}/{p.target}", p.priority, p.weight, ok, reason,
                  round(share(p), 4)) for p, ok, reason in judged))


def resolve_all(entries: Iterable[TrafficEntry], health: PoolHealth) -> list[TrafficState]:
    return [resolve_entry(e, health) for e in entries]
