"""`fleettui alerts`: firing, pending, silenced and inhibited alerts of every cluster,
from the cache (`--refresh` pulls every Prometheus and the Alertmanager first).

The cache, not the network, is what this prints, as the pane does: a Prometheus that
is down leaves its cluster's last known alerts in place and adds an "alerts unknown
since" line for it. `fleettui sync` keeps the cache live when the fleet file names
Prometheus servers.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from fleettui.cli.common import CliError, add_output_option, emit, opt

COLUMNS = (("severity", "severity"), ("alert", "alertname"), ("cluster", "cluster"), ("state", "state"),
           ("since", "age"), ("value", "value"), ("labels", "labels_text"), ("summary", "summary"))


def alert_sources(args: argparse.Namespace) -> tuple[list[Any], str | None]:
    """The fleet file's Prometheus targets and its Alertmanager URL."""
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import fleet_file_path
    from fleettui.prom import targets_from_fleet

    fleet_arg = opt(args, "fleet")
    try:
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    return targets_from_fleet(fleet.clusters.values()), fleet.alertmanager


def refresher(store: Any, targets: list[Any], alertmanager: str | None, *, timeout: float = 5.0) -> Any:
    from fleettui.alerts.alertmanager import Alertmanager
    from fleettui.alerts.sync import AlertRefresher
    from fleettui.prom import FleetPrometheus

    prom = FleetPrometheus(targets, timeout=timeout)
    return AlertRefresher(store, prom, Alertmanager(alertmanager, timeout=timeout) if alertmanager else None)


async def _alerts_cmd(args: argparse.Namespace) -> int:
    from fleettui.alerts import matchers
    from fleettui.alerts.view import alert_view, record
    from fleettui.cli.commands.sync import _open_store
    from fleettui.store.alerts import AlertStore

    try:
        filters = matchers.parse(args.filter or "")
    except matchers.FilterError as exc:
        raise CliError(f"--filter: {exc}") from exc
    targets, am = alert_sources(args)
    if args.refresh and not targets:
        raise CliError("--refresh: the fleet file names no Prometheus (`prometheus:` per cluster)")
    store = await _open_store(args)
    try:
        if args.refresh:
            r = refresher(store, targets, am, timeout=args.timeout)
            try:
                await r.refresh_once()
            finally:
                r.prom.close()
        alerts = AlertStore(store)
        rows, sources = await alerts.alerts(), await alerts.sources()
    finally:
        await store.close()
    clusters = [t.cluster for t in targets] or None
    view = alert_view(rows, sources, filters=filters, group_by=args.group_by, clusters=clusters)
    now = time.time()
    records = []
    for group in view.groups:
        for a in group.alerts:
            rec = record(a, now, stale=a.cluster in view.stale_clusters)
            rec["group"] = group.key
            records.append(rec)
    if args.output == "table":
        for rec in records:
            rec["labels_text"] = ",".join(f"{k}={v}" for k, v in rec["labels"].items())
            if rec["stale"]:
                rec["state"] += " (stale)"
        emit("table", records, COLUMNS)
        sys.stdout.flush()
        print(view.summary(), file=sys.stderr)
        for u in view.unknown:
            print(u.line(now), file=sys.stderr)
    else:
        emit(args.output, records, COLUMNS, kind="AlertList")
        if view.unknown:
            for u in view.unknown:
                print(f"fleettui: warning: {u.line(now)}", file=sys.stderr)
    return 0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    from fleettui.alerts.view import GROUP_BY
    from fleettui.cli.commands.app import run
    from fleettui.cli.common import positive_float

    p = subparsers.add_parser("alerts", parents=parents, help="firing and pending alerts of every cluster",
                              description="Alerts of every cluster's Prometheus, with the Alertmanager's "
                              "silenced/inhibited state, from the cache (--refresh: pull first).")
    p.add_argument("--filter", metavar="EXPR",
                   help="karma-style: '@cluster=edge-*,@state=firing,severity=critical,job!~kube-.*'")
    p.add_argument("--group-by", choices=GROUP_BY, default="alertname")
    p.add_argument("--refresh", action="store_true", help="pull every Prometheus and the Alertmanager first")
    p.add_argument("--timeout", type=positive_float, default=5.0, metavar="SECONDS",
                   help="per-server timeout of --refresh (default: %(default)s)")
    add_output_option(p)
    p.set_defaults(handler=run(_alerts_cmd))


