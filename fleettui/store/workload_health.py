"""A workload row's health once its pods are known: part of every roll-up.

The sync summarises each object alone, so a Deployment's row says what its
status says ("progressing") while its pods sit in ImagePullBackOff. Here, in
the same transaction as the other roll-ups, each workload of a touched cluster
is re-judged with its pods' waiting problems by the one rule in
`config.objects.with_pod_problems`; the workload's own verdict is kept in its
row (`data.rollout`), so a pod that recovers puts it back.
"""

from __future__ import annotations

from collections import defaultdict

import aiosqlite

from fleettui.config.objects import with_pod_problems
from fleettui.store.rows import WORKLOAD_KINDS_SQL

_PROBLEMS_SQL = """
SELECT namespace, json_extract(data, '$.workload'), json_extract(data, '$.problem')
FROM objects WHERE cluster = ? AND kind = 'Pod' AND json_extract(data, '$.problem') IS NOT NULL
"""
_WORKLOADS_SQL = f"""
SELECT kind, namespace, name, health, message,
       json_extract(data, '$.rollout'), json_extract(data, '$.rollout_message')
FROM objects WHERE cluster = ? AND kind IN {WORKLOAD_KINDS_SQL} AND json_extract(data, '$.rollout') IS NOT NULL
"""
_UPDATE_SQL = "UPDATE objects SET health = ?, message = ? WHERE cluster = ? AND kind = ? AND namespace = ? AND name = ?"


async def rejudge_workloads(conn: aiosqlite.Connection, cluster: str) -> None:
    problems: dict[tuple[str, str], list[str]] = defaultdict(list)
    # execute_fetchall: one hop to aiosqlite's thread per query (iterating a cursor is
    # one per fetchmany), and this runs for every touched cluster of every batch
    for namespace, workload, problem in await conn.execute_fetchall(_PROBLEMS_SQL, (cluster,)):
        if workload:
            problems[(namespace, workload)].append(problem)
    updates = []
    for kind, namespace, name, health, message, rollout, rollout_message in await conn.execute_fetchall(
            _WORKLOADS_SQL, (cluster,)):
        found = problems.get((namespace, f"{kind}/{name}"), ())
        new = with_pod_problems(rollout, rollout_message or "", found)
        if new != (health, message):
            updates.append((*new, cluster, kind, namespace, name))
    if updates:
        await conn.executemany(_UPDATE_SQL, updates)
