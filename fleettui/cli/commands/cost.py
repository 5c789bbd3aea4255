"""`fleettui cost`: cost per cluster, namespace or application over a range, as OpenCost
allocates it, from the series `fleettui metrics sync` keeps in the cache (no network).
Prices come from the fleet file (`cost:` per cluster, `prices:` by provider / region /
node type); what falls back to the placeholders says so in `price_source`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from fleettui.cli.commands.metrics import add_output, emit_records, load_fleet, open_store
from fleettui.cli.common import CliError

COLUMNS = [("cluster", "cluster"), ("name", "name"), ("cpu core-h", "cpu_core_hours"),
           ("mem GiB-h", "memory_gib_hours"), ("cpu", "cpu_cost"), ("memory", "memory_cost"),
           ("fixed", "fixed_cost"), ("idle", "idle_cost"), ("total", "total"), ("hours", "hours"),
           ("prices", "price_source")]
SPARK = "▁▂▃▄▅▆▇█"


async def compute(store: Any, fleet: Any, by: str, seconds: float, now: float) -> Any:
    from fleettui.metrics import view

    scopes = ("cluster", "namespace", "app") if by == "app" else ("cluster", "namespace")
    return view.cost_report(await view.load(store, scopes), fleet, by, start=now - seconds, end=now)


async def _run(args: argparse.Namespace) -> int:
    from fleettui.cli.commands.metrics import _seconds

    fleet = load_fleet(args)
    seconds = _seconds(args.range)
    store = await open_store(args, read_only=True)
    try:
        report = await compute(store, fleet, args.by, seconds, store.clock())
    finally:
        await store.close()
    if not report.lines:
        raise CliError("no metrics in the cache; run `fleettui sync --once` and `fleettui metrics sync --once`")
    records = sorted((line.record() for line in report.lines), key=lambda r: (-float(r["total"]), r["cluster"]))
    trend = [{"start": t, "cost": round(v, 4)} for t, v in report.trend]
    emit_records(args.output, records, COLUMNS, kind="CostReport",
                 extra={"by": args.by, "range": args.range, "total": round(report.total, 4), "trend": trend})
    if args.output == "table":
        top = max((v for _, v in report.trend), default=0.0) or 1.0
        line = "".join(SPARK[min(7, int(v / top * 7.999))] for _, v in report.trend)
        print(f"total {report.total:.4g}   trend {line}")
        if any("placeholder" in r["price_source"] for r in records):
            print("fleettui: some prices are placeholders, not real prices: set `cost:` or `prices:` "
                  "in the fleet file (docs/metrics.md)", file=sys.stderr)
    return 0


def run_cost(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("cost", parents=parents, help="cost per cluster, namespace or app (from the cache)",
                              description=__doc__)
    p.add_argument("--by", choices=("cluster", "namespace", "app"), default="cluster")
    p.add_argument("--range", default="24h", help="15m, 1h, 6h, 24h (or 90m, 2d ...; default 24h)")
    add_output(p)
    p.set_defaults(handler=run_cost)
