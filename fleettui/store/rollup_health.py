"""Health words shared by the store, sync and the panes, and how they roll up.

A problem must show at every level above it (cluster, zone, region, fleet), so a
parent's health is the worst of its children's by the order below. `unknown`
ranks just above `healthy`: not knowing is worse than knowing all is well, but
better than a known problem.
"""

from __future__ import annotations

from collections.abc import Iterable

HEALTHY = "healthy"
PROGRESSING = "progressing"
DEGRADED = "degraded"
UNHEALTHY = "unhealthy"
UNKNOWN = "unknown"

HEALTH_WORDS = (HEALTHY, UNKNOWN, PROGRESSING, DEGRADED, UNHEALTHY)
_RANK = {word: i for i, word in enumerate(HEALTH_WORDS)}


def severity(health: str | None) -> int:
    """Rank of a health word (higher is worse); anything unrecognised counts as unknown."""
    return _RANK.get(health or UNKNOWN, _RANK[UNKNOWN])


def worst(healths: Iterable[str | None], *, empty: str = HEALTHY) -> str:
    """The worst health among `healths` (`empty` when there are none)."""
    result: str | None = None
    for h in healths:
        h = h if h in _RANK else UNKNOWN
        if result is None or _RANK[h] > _RANK[result]:
            result = h
    return result or empty


def is_problem(health: str | None) -> bool:
    """Whether this health is something the operator should look at."""
    return health in (DEGRADED, UNHEALTHY)


def nodes_health(ready: int, total: int, *, any_problem: bool = False) -> str:
    """A cluster's nodes taken together, by the cluster rule (`rows.HEALTH_SQL`): none ready
    is unhealthy, some not ready (or one under pressure) degraded. One NotReady node of
    five is a degraded cluster, on the clusters pane and in the topology alike."""
    if total and not ready:
        return UNHEALTHY
    if ready < total or any_problem:
        return DEGRADED
    return HEALTHY
