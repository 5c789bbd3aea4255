"""`fleettui clusters`: the fleet as the cache last saw it — no network, ages shown.

Reads only the store (like the dashboard), so it answers instantly and works
when every cluster is unreachable; run `fleettui sync --once` to refresh.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import fnmatch
import os
from typing import Any

from fleettui.cli.common import CliError, add_output_option, cache_path_arg, emit, opt
from fleettui.store.models import ClusterRow

COLUMNS = (
    ("name", "name"),
    ("provider", "provider"),
    ("region", "region"),
    ("zone", "zone"),
    ("version", "version"),
    ("nodes", "nodes"),
    ("cpu", "cpu"),
    ("memory", "memory"),
    ("pods", "pods"),
    ("health", "health"),
    ("last seen", "last_seen_ago"),
    ("error", "last_error"),
)


def format_age(seconds: float | None) -> str:
    """kubectl's compact age: 45s, 12m, 3h, 5d."""
    if seconds is None:
        return "never"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 2 * 3600:
        return f"{s // 60}m"
    if s < 2 * 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}%"


def cluster_record(c: ClusterRow, now: float) -> dict[str, Any]:
    """One cluster as a flat record: every stored field plus the derived ones a
    table shows (ready/total, request %, age)."""
    rec = dataclasses.asdict(c)
    rec["labels"] = dict(c.labels)
    age = c.age(now)
    rec["age_seconds"] = None if age is None else round(age, 1)
    rec["stale"] = c.stale
    rec["nodes"] = f"{c.nodes_ready}/{c.nodes_total}"
    rec["cpu"] = _pct(c.cpu_req_pct)
    rec["memory"] = _pct(c.mem_req_pct)
    rec["pods"] = f"{c.pods_running}/{c.pods_running + c.pods_pending + c.pods_failed}"
    seen = format_age(age)
    if c.reachable is False:
        seen += " (stale)" if age is not None else " (unreachable)"
    elif age is not None:
        seen += " ago"
    rec["last_seen_ago"] = seen
    return rec


async def _read(path: str) -> tuple[list[ClusterRow], float, str | None]:
    from fleettui.store import Store

    # only reads: a cache this user may read but not write (another user's, a
    # chmod 400) is read as it is rather than refused
    store = await Store.open(path, read_only_fallback=True)
    try:
        rows = await store.clusters()
        recovered = str(store.recovered_from) if store.recovered_from else None
        return rows, store.clock(), recovered
    finally:
        await store.close()


def select_rows(rows: list[ClusterRow], globs: list[str] | None) -> list[ClusterRow]:
    """`--context` globs, matched as discovery matches them: the cluster name or its context."""
    if not globs:
        return rows

    def matches(c: ClusterRow, g: str) -> bool:
        return any(n and fnmatch.fnmatchcase(n, g) for n in (c.name, c.context))

    unmatched = [g for g in globs if not any(matches(c, g) for c in rows)]
    if unmatched:
        raise CliError(f"no cluster or context in the cache matches {', '.join(map(repr, unmatched))}")
    return [c for c in rows if any(matches(c, g) for g in globs)]


def run_clusters(args: argparse.Namespace) -> int:
    from fleettui.config.paths import cache_path
    from fleettui.store import StoreError

    path = cache_path(cache_path_arg(args))
    if not os.path.exists(path):
        raise CliError(f"no cache at {path}; run `fleettui sync --once` first")
    try:
        rows, now, recovered = asyncio.run(_read(str(path)))
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if recovered:
        raise CliError(f"the cache at {path} was corrupt; moved aside to {recovered}. "
                       "Run `fleettui sync --once` to rebuild it")
    rows = select_rows(rows, opt(args, "context"))
    emit(args.output, [cluster_record(c, now) for c in rows], COLUMNS, kind="ClusterList")
    return 0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "clusters",
        parents=parents,
        help="the clusters' state as the cache last saw it (no network)",
        description="List member clusters as the cache last saw them: health, version, "
        "nodes, requested CPU/memory, pods, and how long ago each last answered. Instant, and "
        "works with every cluster unreachable; `fleettui sync --once` refreshes the cache. For "
        "membership discovered now (kubeconfig, fleet file, hub), see `fleettui cluster list`.",
    )
    add_output_option(p)
    p.set_defaults(handler=run_clusters)
