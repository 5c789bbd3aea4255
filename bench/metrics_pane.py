"""The metrics pane's refresh over 20 clusters (issue 12), target <= 1 s.

The cache as `fleettui metrics sync` leaves it after a day at a minute's step (the
same rows as bench/metrics_cost.py: per cluster 1 cluster row, 5 nodes, 12 namespaces,
8 applications, 1,440 points each). Timed: what one refresh of the pane does, without
the widgets — its fetch (the scopes on screen, rows and series) and the figures `show`
computes from them — for the heaviest views: top-N by namespace over 1 h, and the cost
view by namespace over 24 h. Each must be <= 1 s.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.metrics_cost import APPS, NAMESPACES, NODES, NOW, _row
from fleettui.metrics import view
from fleettui.store import Store
from fleettui.store.metrics import MetricsStore
from fleettui.tui.metrics_renderers import top_lines
from fleettui.tui.panes.metrics import MetricsPane

TARGET = 1.0
RUNS = 3
CLUSTERS = 20


async def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        store = await Store.open(Path(d) / "cache.db", clock=lambda: NOW)
        ms = MetricsStore(store)
        for i in range(CLUSTERS):
            c = f"c{i:03d}"
            rows = [_row(c, "cluster", "", 20000.0)]
            rows += [_row(c, "node", f"n{j}", 4000.0) for j in range(NODES)]
            rows += [_row(c, "namespace", f"ns{j}", 1000.0) for j in range(NAMESPACES)]
            rows += [_row(c, "app", f"app{j}", 800.0) for j in range(APPS)]
            await ms.put(c, rows, prometheus="http://p", attempted_at=NOW)
        pane = MetricsPane()
        pane.group = "namespace"
        top_runs, cost_runs = [], []
        for _ in range(RUNS):
            started = time.perf_counter()
            data = await pane.make_fetch()(store)
            top = top_lines(data, "namespace", 3600, NOW)
            top_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            data = await view.load(store, ("cluster", "namespace"))  # the cost view's fetch
            report = view.cost_report(data, None, "namespace", start=NOW - 86400, end=NOW)
            cost_runs.append(time.perf_counter() - started)
        await store.close()
    best_top, best_cost = min(top_runs), min(cost_runs)
    print(f"metrics_pane: {CLUSTERS} clusters, one refresh: top {len(top)} by namespace best {best_top:.2f}s "
          f"(runs {', '.join(f'{r:.2f}' for r in top_runs)}); cost view {len(report.lines)} lines best "
          f"{best_cost:.2f}s (runs {', '.join(f'{r:.2f}' for r in cost_runs)}); target <= {TARGET:.0f}s each")
    return 0 if max(best_top, best_cost) <= TARGET else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
