"""The metrics refresh over 20 clusters (issue 12), target <= 1 s.

Twenty Prometheus servers are played by one aiohttp server (a path prefix each) that
answers `query_range` with an hour of points at a minute's step for 5 nodes, 12
namespaces and 120 pods per cluster (36 ReplicaSets of 3 and 12 bare pods: a query summed
by owner gets 48 series), as a real Prometheus' JSON: what is measured is
fleettui's side of a pull (the parallel fan-out through prometheus-api-client, parsing,
joining with the cache's requests, writing last values and series), not Prometheus'
query engine. A first pull (the whole hour) and a second (only what is new) are timed.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web

from fleettui.metrics.refresh import MetricsRefresher
from fleettui.store import Store

TARGET = 1.0
CLUSTERS, NODES, NAMESPACES, PODS = 20, 5, 12, 120
REPLICAS = 3  # pods per ReplicaSet; one bare pod per namespace besides


def _owners() -> list[dict[str, str]]:
    """What Prometheus answers to a query summed by owner: a series per ReplicaSet and per bare pod."""
    bare = [{"namespace": f"ns{i}", "pod": f"bare{i}"} for i in range(NAMESPACES)]
    owned = [{"namespace": f"ns{i % NAMESPACES}", "created_by_kind": "ReplicaSet", "created_by_name": f"rs{i}"}
             for i in range((PODS - NAMESPACES) // REPLICAS)]
    return owned + bare


def _series(query: str) -> list[dict[str, str]]:
    if "restarts" in query and "> 0" in query:
        return _owners()[:2]  # only where something restarted: two crash-looping owners
    if "created_by_name" in query:
        return _owners()
    if "sum by (namespace, pod)" in query:  # the per-pod query of earlier versions
        return [{"namespace": f"ns{i % NAMESPACES}", "pod": f"p{i}"} for i in range(PODS)]
    if "namespace" in query:
        return [{"namespace": f"ns{i}"} for i in range(NAMESPACES)]
    return [{"node": f"n{i}"} for i in range(NODES)]


def _matrix(query: str, start: float, end: float, step: float) -> list[dict]:
    # a query of several columns (`q1 or q2`, each tagged by label_replace): each part's series
    parts = re.findall(r'label_replace\((.*?), "(\w+)", "(\w+)", "", ""\)(?: or |$)', query)
    labels = ([{**m, tag: col} for part, tag, col in parts for m in _series(part)] if parts
              else _series(query))
    n = int((end - start) // step) + 1
    times = [start + i * step for i in range(n)]
    return [{"metric": m, "values": [[t, "0.25"] for t in times]} for m in labels]


def _serve(port: int) -> None:
    """The stub Prometheus, in a process of its own so its JSON encoding is not timed."""

    bodies: dict[tuple[str, str, str, str], bytes] = {}

    async def query_range(request: web.Request) -> web.Response:
        # every cluster asks the same: encoded once, so the stub's own work stays out of
        # the figures as far as it can on shared cores (fleettui's side is what is timed)
        q = request.query
        key = (q["query"], q["start"], q["end"], q["step"])
        body = bodies.get(key)
        if body is None:
            data = {"resultType": "matrix",
                    "result": _matrix(q["query"], float(q["start"]), float(q["end"]), float(q["step"]))}
            body = bodies[key] = json.dumps({"status": "success", "data": data}).encode()
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{cluster}/api/v1/query_range", query_range)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main() -> int:
    port = _free_port()
    server = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            await asyncio.sleep(0.05)
    clock = [1_800_000_000.0]
    with tempfile.TemporaryDirectory() as d:
        store = await Store.open(Path(d) / "cache.db", clock=lambda: clock[0])
        refresher = MetricsRefresher(store, [(f"c{i:02d}", f"{base}/c{i:02d}") for i in range(CLUSTERS)],
                                     concurrency=8, clock=lambda: clock[0])
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            report = await refresher.pull()
            runs.append(time.perf_counter() - started)
            assert len(report.pulled) == CLUSTERS, report.failed
            clock[0] += 60
        refresher.close()
        await store.close()
    server.terminate()
    server.join(5)
    worst = max(runs)
    print(f"metrics_refresh: {CLUSTERS} clusters: first pull {runs[0]:.2f}s, next {runs[1]:.2f}s, "
          f"target <= {TARGET:.0f}s")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
