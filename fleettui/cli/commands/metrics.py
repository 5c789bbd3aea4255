"""`fleettui metrics sync|top|query`: the fleet's usage, from every cluster's Prometheus.

`sync` pulls usage into the cache every `--interval` s (a command of its own rather than
part of `fleettui sync`: a fleet without Prometheus URLs needs no metrics loop, and a
slow Prometheus never holds up the inventory). `top` and `query` ask the Prometheus
servers now, in parallel, each with a timeout; clusters that did not answer are named
on stderr and the others shown.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

import yaml

from fleettui.cli.common import (
    CliError,
    cache_path_arg,
    format_table,
    opt,
    positive_float,
    positive_int,
)


def add_output(p: argparse.ArgumentParser, *, csv_too: bool = True) -> None:
    choices = ("table", "json", "yaml", "csv") if csv_too else ("table", "json", "yaml")
    p.add_argument("-o", "--output", choices=choices, default="table", help="output format (default: table)")


def emit_records(fmt: str, records: list[dict[str, Any]], columns: list[tuple[str, str]], *, kind: str,
                 out: TextIO | None = None, extra: dict[str, Any] | None = None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        json.dump({"kind": kind, **(extra or {}), "items": records}, out, indent=2, default=str)
        out.write("\n")
    elif fmt == "yaml":
        yaml.safe_dump({"kind": kind, **(extra or {}), "items": records}, out, sort_keys=False)
    elif fmt == "csv":
        w = csv.writer(out)
        w.writerow([key for _, key in columns])
        for r in records:
            w.writerow(["" if r.get(key) is None else r.get(key) for _, key in columns])
    else:
        out.write(format_table([[_cell(r.get(k)) for _, k in columns] for r in records],
                               [h for h, _ in columns]) + "\n")


def _cell(v: Any) -> Any:
    return f"{v:.4g}" if isinstance(v, float) else v


def load_fleet(args: argparse.Namespace) -> Any:
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import fleet_file_path

    fleet_arg = opt(args, "fleet")
    try:
        return FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


def _targets(args: argparse.Namespace) -> list[Any]:
    import fnmatch

    from fleettui.prom import targets_from_fleet

    targets = targets_from_fleet(load_fleet(args).clusters.values())
    globs = opt(args, "context")
    if globs:
        targets = [t for t in targets if any(fnmatch.fnmatchcase(t.cluster, g) for g in globs)]
    if not targets:
        raise CliError("no cluster has a Prometheus in the fleet file (`prometheus:`); see docs/metrics.md")
    return targets


def warn_missing(answer: Any) -> None:
    for name in answer.missing:
        print(f"fleettui: no answer from {name}: {answer.answers[name].error}", file=sys.stderr)


async def open_store(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    from fleettui.config.paths import cache_path
    from fleettui.store import Store, StoreError

    path = cache_path(cache_path_arg(args))
    if read_only and not path.exists():
        raise CliError(f"no cache at {path}; run `fleettui sync --once` first")
    try:
        return await Store.open(path, read_only_fallback=read_only)
    except StoreError as exc:
        raise CliError(str(exc)) from exc


# ---------------------------------------------------------------- sync

async def _sync(args: argparse.Namespace) -> int:
    from fleettui.metrics.refresh import MetricsRefresher, fleet_clusters

    fleet = load_fleet(args)
    store = await open_store(args)
    try:
        clusters = await fleet_clusters(store, fleet)
        refresher = MetricsRefresher(store, clusters, step=args.step, timeout=args.timeout)
        try:
            while True:
                report = await refresher.pull()
                for c in report.pulled:
                    print(f"{c}: usage pulled")
                for c in report.requests_only:
                    print(f"{c}: no Prometheus: requests only")
                for c, err in report.failed.items():
                    print(f"fleettui: {c}: {err} (last values kept)", file=sys.stderr)
                sys.stdout.flush()
                if args.once:
                    return 1 if report.failed else 0
                await asyncio.sleep(args.interval)
        finally:
            refresher.close()
    finally:
        await store.close()


def run_sync(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_sync(args))
    except KeyboardInterrupt:
        return 130


# ---------------------------------------------------------------- top

TOP_COLUMNS = [("cluster", "cluster"), ("name", "name"), ("cpu (m)", "cpu_m"), ("memory (B)", "memory_b"),
               ("restarts", "restarts"), ("network (B/s)", "network_bps")]


async def _owners(args: argparse.Namespace) -> dict[str, Any]:
    """Per cluster, which workload and application each pod owner is: the inventory the
    dashboard's pull attributes its per-owner series with."""
    from fleettui.metrics import inventory as inv

    store = await open_store(args, read_only=True)
    try:
        return {c.name: (await inv.read(store, c.name)).owners for c in await store.clusters()}
    finally:
        await store.close()


async def _top(args: argparse.Namespace) -> int:
    from fleettui.metrics import top
    from fleettui.prom import FleetPrometheus

    owners = await _owners(args) if args.by in ("app", "workload") else None
    fleet = FleetPrometheus(_targets(args), timeout=args.timeout)
    try:
        qs = top.queries(args.by, args.range)
        answers = dict(zip(qs, await asyncio.gather(*(fleet.query(q) for q in qs.values())), strict=True))
    finally:
        fleet.close()
    cpu = answers["cpu"]
    if cpu.bad_query:
        raise CliError(cpu.bad_query)
    warn_missing(cpu)
    if len(cpu.missing) == len(cpu.answers):
        raise CliError("no Prometheus answered")
    rows = top.top(args.by, answers, owners=owners, sort=args.sort, limit=args.limit)
    emit_records(args.output, [r.record() for r in rows], TOP_COLUMNS, kind="MetricsTop",
                 extra={"by": args.by, "range": args.range, "missing": cpu.missing})
    return 0


def run_top(args: argparse.Namespace) -> int:
    return asyncio.run(_top(args))


# ---------------------------------------------------------------- query

async def _query(args: argparse.Namespace) -> int:
    from fleettui.metrics import top
    from fleettui.prom import FleetPrometheus

    fleet = FleetPrometheus(_targets(args), timeout=args.timeout)
    try:
        if args.range:
            end = datetime.now(UTC)
            start = datetime.fromtimestamp(end.timestamp() - _seconds(args.range), UTC)
            answer = await fleet.query_range(args.promql, start, end, args.step)
        else:
            answer = await fleet.query(args.promql)
    finally:
        fleet.close()
    if answer.bad_query:
        raise CliError(f"bad query: {answer.bad_query}")
    warn_missing(answer)
    if answer.answers and len(answer.missing) == len(answer.answers):
        raise CliError("no Prometheus answered")
    records = top.merged(answer)
    cols = [("cluster", "cluster"), ("series", "series")]
    cols += [("last", "last"), ("min", "min"), ("max", "max")] if args.range else [("value", "value")]
    if args.output == "table":
        for r in records:
            r.pop("points", None)
    emit_records(args.output, records, cols, kind="MetricsQuery", extra={"missing": answer.missing})
    return 0


def _seconds(text: str) -> float:
    from fleettui.metrics.top import RANGES

    if text in RANGES:
        return float(RANGES[text])
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return float(text[:-1]) * units[text[-1]]
    except (KeyError, ValueError, IndexError):
        raise CliError(f"--range {text!r}: give a duration such as 15m, 1h, 6h, 24h") from None


def run_query(args: argparse.Namespace) -> int:
    return asyncio.run(_query(args))


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    from fleettui.metrics.top import BYS, METRICS, RANGES

    p = subparsers.add_parser("metrics", parents=parents, help="usage from every cluster's Prometheus",
                              description=__doc__)
    sub = p.add_subparsers(dest="metrics_command", required=True)
    s = sub.add_parser("sync", parents=parents, help="pull usage into the cache every --interval s")
    s.add_argument("--once", action="store_true", help="one pull, then exit (1 if a Prometheus failed)")
    s.add_argument("--interval", type=positive_float, default=60.0, help="seconds between pulls (default 60)")
    s.add_argument("--step", type=positive_float, default=60.0, help="series resolution in s (default 60)")
    s.add_argument("--timeout", type=positive_float, default=5.0, help="per Prometheus (default 5 s)")
    s.set_defaults(handler=run_sync)
    t = sub.add_parser("top", parents=parents, help="top-N across the fleet by cluster, namespace, app, workload")
    t.add_argument("--by", choices=BYS, default="cluster")
    t.add_argument("--range", choices=tuple(RANGES), default="1h")
    t.add_argument("--sort", choices=METRICS, default="cpu")
    t.add_argument("--limit", type=positive_int, default=10)
    t.add_argument("--timeout", type=positive_float, default=5.0)
    add_output(t)
    t.set_defaults(handler=run_top)
    q = sub.add_parser("query", parents=parents, help="one PromQL query on every cluster's Prometheus")
    q.add_argument("promql")
    q.add_argument("--range", default=None, help="a range query over the last 15m/1h/6h/24h (or 90s, 2h, ...)")
    q.add_argument("--step", type=positive_float, default=60.0, help="range step in s (default 60)")
    q.add_argument("--timeout", type=positive_float, default=5.0)
    add_output(q)
    q.set_defaults(handler=run_query)


