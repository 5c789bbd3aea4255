"""`fleettui sync`: fill the cache from every member cluster, headless.

`--once` does one full pass and prints a line per cluster; it exits non-zero
naming every cluster that failed (on stderr), so it can gate a script or cron
job. Without `--once` it keeps the cache live with watches until SIGINT/SIGTERM,
printing a line whenever a cluster's health changes — a dashboard in another
terminal (or `fleettui clusters`) reads the same cache. When the fleet file names
each cluster's Prometheus, both modes also pull alert state into the cache.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

from fleettui.cli.common import (
    CliError,
    add_output_option,
    cache_path_arg,
    emit,
    opt,
    positive_float,
    positive_int,
)

if TYPE_CHECKING:
    from fleettui.config.kubeconfig import KubeConfig
    from fleettui.store import Store
    from fleettui.sync.discovery import Member

COLUMNS = (
    ("cluster", "name"),
    ("status", "status"),
    ("version", "version"),
    ("nodes", "nodes"),
    ("objects", "objects"),
    ("latency", "latency"),
    ("time", "time"),
    ("error", "error"),
)


async def discover(args: argparse.Namespace, *, request_timeout: float) -> tuple[Any, list[Any]]:
    """The kubeconfig and the fleet members it, the fleet file and the hub name.
    Problems met while discovering (an unreadable hub) are warnings, not failures."""
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.config.paths import fleet_file_path
    from fleettui.sync.discovery import discover_members

    try:
        kubeconfig = load_kubeconfig(opt(args, "kubeconfig"))
        fleet_arg = opt(args, "fleet")
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
        members = await discover_members(kubeconfig, fleet, opt(args, "context"), read_only=True,
                                         hub_context=opt(args, "hub"),
                                         request_timeout=request_timeout)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    for problem in getattr(members, "errors", []):
        print(f"fleettui: warning: {problem}", file=sys.stderr)
    return kubeconfig, list(members)


async def _open_store(args: argparse.Namespace) -> Any:
    from fleettui.config.paths import cache_path
    from fleettui.store import Store, StoreError

    path = cache_path(cache_path_arg(args))
    try:
        store = await Store.open(path)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if store.recovered_from:
        print(f"fleettui: the cache was corrupt; moved it aside to {store.recovered_from} "
              "and started a new one", file=sys.stderr)
    return store


def report_records(report: Any, rows: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in report.results:
        row = rows.get(r.name)
        status = "skipped" if r.skipped else ("ok" if r.ok else ("unreachable" if not r.reachable else "partial"))
        out.append({
            "name": r.name,
            "status": status,
            "version": r.version,
            "nodes": f"{row.nodes_ready}/{row.nodes_total}" if row and r.reachable else None,
            "objects": r.objects,
            "counts": dict(r.counts),
            "latency": f"{r.latency_ms:.0f}ms" if r.latency_ms is not None else None,
            "latency_ms": r.latency_ms,
            "time": f"{r.seconds:.2f}s",
            "seconds": round(r.seconds, 3),
            "error": r.error,
        })
    return out


def _alert_refresher(args: argparse.Namespace, store: Any) -> Any:
    """The alert refresher when the fleet file names Prometheus servers, else None."""
    from fleettui.cli.commands.alerts import alert_sources, refresher

    targets, alertmanager = alert_sources(args)
    if not targets:
        return None
    return refresher(store, targets, alertmanager, timeout=min(args.timeout, 5.0))


async def _sync_once(args: argparse.Namespace, kubeconfig: KubeConfig, members: list[Member]) -> int:

    from fleettui.sync import FleetSync

    store = await _open_store(args)
    try:
        fleet = FleetSync(store, members, kubeconfig=kubeconfig, read_only=True,
                          concurrency=args.concurrency, timeout=args.timeout,
                          prune=not opt(args, "context"))
        alerts = _alert_refresher(args, store)
        if alerts is not None:
            report, alert_report = await asyncio.gather(fleet.sync_once(), alerts.refresh_once())
            alerts.prom.close()
            for source, error in sorted(alert_report.errors.items()):
                print(f"fleettui: warning: alerts of {source.lstrip('@')}: {error}", file=sys.stderr)
        else:
            report = await fleet.sync_once()
        rows = {c.name: c for c in await store.clusters()}
    finally:
        await store.close()
    emit(args.output, report_records(report, rows), COLUMNS, kind="SyncReport")
    sys.stdout.flush()  # the table before the summary on stderr, in a terminal too
    rate = report.objects / report.seconds if report.seconds else 0.0
    print(f"{len(report.results)} cluster{'' if len(report.results) == 1 else 's'}, {len(report.failed)} failed, {report.objects} objects "
          f"in {report.seconds:.2f}s ({rate:.0f} objects/s) into {store.path}", file=sys.stderr)
    if report.failed:
        names = ", ".join(f"{r.name} ({r.error})" for r in report.failed)
        print(f"fleettui: sync failed for {len(report.failed)} cluster(s): {names}", file=sys.stderr)
        return 1
    return 0


async def _report_health(store: Store) -> None:
    """Print a line whenever a cluster's health or error changes (continuous mode)."""
    last: dict[str, tuple[str, str | None]] = {}
    async with store.subscribe(topics={"clusters"}) as sub:
        async for _ in sub:
            await asyncio.sleep(0.5)  # debounce a burst of writes into one look
            sub.pending()
            for c in await store.clusters():
                state = (c.health, c.last_error)
                if last.get(c.name) != state:
                    last[c.name] = state
                    stamp = time.strftime("%H:%M:%S")
                    extra = f" — {c.last_error}" if c.last_error else ""
                    print(f"{stamp} {c.name}: {c.health}{extra}", file=sys.stderr, flush=True)


async def _sync_forever(args: argparse.Namespace, kubeconfig: KubeConfig, members: list[Member]) -> int:
    from fleettui.sync import FleetSync

    store = await _open_store(args)
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, main.cancel)
    print(f"fleettui: keeping {store.path} current for {len(members)} clusters; Ctrl-C to stop",
          file=sys.stderr, flush=True)
    from fleettui.config.paths import fleet_file_path
    from fleettui.sync.rediscovery import reloading_discovery

    # clusters added or removed while running (fleet file, kubeconfig, hub) are noticed
    discover = reloading_discovery(opt(args, "kubeconfig"), fleet_file_path(opt(args, "fleet")),
                                   opt(args, "context"), hub=opt(args, "hub"),
                                   request_timeout=args.timeout)
    fleet = FleetSync(store, members, kubeconfig=kubeconfig, read_only=True,
                      concurrency=args.concurrency, timeout=args.timeout,
                      prune=not opt(args, "context"), discover=discover)
    reporter = asyncio.create_task(_report_health(store))
    alerts = _alert_refresher(args, store)
    alert_task = asyncio.create_task(alerts.run(args.alerts_interval)) if alerts is not None else None
    try:
        await fleet.run()
    except asyncio.CancelledError:
        pass
    finally:
        reporter.cancel()
        if alert_task is not None:
            alert_task.cancel()
            await asyncio.gather(alert_task, return_exceptions=True)
            alerts.prom.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await store.close()
    print("fleettui: sync stopped", file=sys.stderr)
    return 0


async def _main(args: argparse.Namespace) -> int:
    kubeconfig, members = await discover(args, request_timeout=args.timeout)
    if not members:
        raise CliError("no clusters to sync: the kubeconfig (and fleet file) name no member contexts")
    if args.once:
        return await _sync_once(args, kubeconfig, members)
    return await _sync_forever(args, kubeconfig, members)


def run_sync(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sync",
        parents=parents,
        help="sync every member cluster into the cache (once, or continuously)",
        description="Probe every member cluster and list (then watch) what the dashboard shows "
        "into the local cache. Only reads from clusters.",
    )
    p.add_argument("--once", action="store_true",
                   help="one full pass, print a summary, exit non-zero if a cluster failed")
    p.add_argument("--concurrency", type=positive_int, default=64, metavar="N",
                   help="requests in flight across the fleet (default: %(default)s)")
    p.add_argument("--timeout", type=positive_float, default=10.0, metavar="SECONDS",
                   help="per-request timeout (default: %(default)s)")
    p.add_argument("--alerts-interval", type=positive_float, default=15.0, metavar="SECONDS",
                   help="how often alert state is pulled when the fleet file names Prometheus servers "
                   "(default: %(default)s)")
    add_output_option(p)
    p.set_defaults(handler=run_sync)
