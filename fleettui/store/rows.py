"""How inventory rows are shaped: summary dict → `objects` row, and the SQL that
rolls object rows up into each cluster's numbers and health.

Roll-ups are recomputed from the object rows (never incremented), so they
cannot drift from what the store holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fleettui.config.objects import ROLLOUTS

try:
    import orjson as _orjson
except ImportError:  # optional speed-up: the standard json module does the same job
    _orjson = None  # type: ignore[assignment]  # the module or None: every use checks which

# The kinds the workloads pane lists and the roll-ups count: those with a rollout rule.
WORKLOAD_KINDS: tuple[str, ...] = tuple(ROLLOUTS)


def sql_in(values: tuple[str, ...]) -> str:
    """A constant tuple as an SQL list literal, `('a', 'b')`, for statements built once
    at import (ROLLUP_SQL runs per cluster in executemany, where a bound list cannot go).
    Python's repr is not SQL: it writes `('a',)` for one value and escapes quotes its own way."""
    if not values:
        raise ValueError("an SQL IN list needs at least one value")
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


# The only way WORKLOAD_KINDS becomes SQL text (queries with a variable kind list bind it).
WORKLOAD_KINDS_SQL = sql_in(WORKLOAD_KINDS)
# The topology's leaves (workloads and nodes) and the namespaces between: one list, so a
# query over them is one index scan (see Store.topology_outline).
OUTLINE_KINDS_SQL = sql_in((*WORKLOAD_KINDS, "Node", "Namespace"))

# Summary keys that have their own column; everything else goes into `data`.
_COLUMNS = (
    "uid",
    "resource_version",
    "health",
    "message",
    "phase",
    "ready",
    "desired",
    "cpu_m",
    "mem_b",
    "node",
    "ts",
)
_KEYS = frozenset(_COLUMNS) | {"namespace", "name"}
# Never stored, whatever a caller passes: the contents of Secrets and ConfigMaps.
_PRIVATE = frozenset({"data", "stringData", "binaryData", "spec", "status"})

UPSERT_OBJECT_SQL = (
    "INSERT OR REPLACE INTO objects (cluster, kind, namespace, name, uid, resource_version,"
    " health, message, phase, ready, desired, cpu_m, mem_b, node, ts, data, observed_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


# Roll-ups are recomputed from the object rows, so they can never drift from them.
ROLLUP_SQL = f"""
UPDATE clusters SET
  nodes_total   = (SELECT count(*) FROM objects WHERE cluster = :c AND kind = 'Node'),
  nodes_ready   = (SELECT count(*) FROM objects WHERE cluster = :c AND kind = 'Node' AND ready > 0),
  cpu_alloc_m   = (SELECT coalesce(sum(cpu_m), 0) FROM objects WHERE cluster = :c AND kind = 'Node'),
  mem_alloc_b   = (SELECT coalesce(sum(mem_b), 0) FROM objects WHERE cluster = :c AND kind = 'Node'),
  -- requested as the nodes add it up (and the scheduler counts it): pods bound to a node
  -- and not terminal; an unscheduled pod holds nothing yet and shows as pending instead
  cpu_req_m     = (SELECT coalesce(sum(cpu_m), 0) FROM objects WHERE cluster = :c AND kind = 'Pod'
                   AND phase IN ('Pending', 'Running') AND node IS NOT NULL),
  mem_req_b     = (SELECT coalesce(sum(mem_b), 0) FROM objects WHERE cluster = :c AND kind = 'Pod'
                   AND phase IN ('Pending', 'Running') AND node IS NOT NULL),
  pods_running  = (SELECT count(*) FROM objects WHERE cluster = :c AND kind = 'Pod' AND phase = 'Running'),
  pods_pending  = (SELECT count(*) FROM objects WHERE cluster = :c AND kind = 'Pod' AND phase = 'Pending'),
  pods_failed   = (SELECT count(*) FROM objects WHERE cluster = :c AND kind = 'Pod' AND phase = 'Failed'),
  workloads_total = (SELECT count(*) FROM objects WHERE cluster = :c
                     AND kind IN {WORKLOAD_KINDS_SQL}),
  workloads_unhealthy = (SELECT count(*) FROM objects WHERE cluster = :c
                     AND kind IN {WORKLOAD_KINDS_SQL} AND health IN ('degraded', 'unhealthy')),
  warning_events = (SELECT count(*) FROM objects WHERE cluster = :c AND kind = 'Event'),
  found_provider = (SELECT json_extract(data, '$.provider') AS v FROM objects
                    WHERE cluster = :c AND kind = 'Node' AND v IS NOT NULL
                    GROUP BY v ORDER BY count(*) DESC, v LIMIT 1),
  found_region  = (SELECT json_extract(data, '$.region') AS v FROM objects
                    WHERE cluster = :c AND kind = 'Node' AND v IS NOT NULL
                    GROUP BY v ORDER BY count(*) DESC, v LIMIT 1),
  -- a cluster spread over several zones lists them all (sorted), e.g. "cn-hangzhou-h,cn-hangzhou-i"
  found_zone    = (SELECT group_concat(z, ',') FROM (SELECT DISTINCT json_extract(data, '$.zone') AS z
                    FROM objects WHERE cluster = :c AND kind = 'Node' AND z IS NOT NULL ORDER BY z))
WHERE name = :c
"""

# A cluster's health follows from its last probe and its roll-ups.
HEALTH_SQL = """
UPDATE clusters SET health = CASE
  WHEN reachable IS NULL THEN 'unknown'
  WHEN reachable = 0 THEN 'unhealthy'
  WHEN nodes_total > 0 AND nodes_ready = 0 THEN 'unhealthy'
  WHEN nodes_ready < nodes_total OR workloads_unhealthy > 0 THEN 'degraded'
  -- a Ready node under memory/disk/PID pressure is a problem the topology shows too
  WHEN EXISTS (SELECT 1 FROM objects WHERE cluster = clusters.name AND kind = 'Node'
               AND health IN ('degraded', 'unhealthy')) THEN 'degraded'
  WHEN last_error IS NOT NULL THEN 'degraded'
  ELSE 'healthy' END
WHERE name = ?
"""


def object_row(cluster: str, kind: str, summary: Mapping[str, Any], observed_at: float) -> tuple:
    """One `objects` row from a summary dict (see `fleettui.sync.summaries`)."""
    get = summary.get
    extra = {
        k: v for k, v in summary.items() if k not in _KEYS and k not in _PRIVATE and v is not None
    }
    return (
        cluster,
        kind,
        get("namespace") or "",
        summary["name"],
        get("uid"),
        get("resource_version"),
        get("health") or "unknown",
        get("message") or "",
        get("phase"),
        int(get("ready") or 0),
        int(get("desired") or 0),
        int(get("cpu_m") or 0),
        int(get("mem_b") or 0),
        get("node"),
        get("ts"),
        _dumps(extra),
        observed_at,
    )


def _dumps(value: dict[str, Any]) -> str:
    """Compact JSON text for the `data` column (one per row: orjson is ~8x faster)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(value, default=str, option=_orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            pass  # what orjson refuses (e.g. an integer beyond 64 bits), json writes
    return json.dumps(value, separators=(",", ":"), default=str)
