"""`fleettui silence add|list|expire`: silences in the fleet's Alertmanager (API v2).

A silence for one alert on one cluster matches `alertname` and the `cluster` external
label every Prometheus of the fleet carries. Writes go through the Alertmanager
client's single request path, which refuses them in read-only / watch mode.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from fleettui.cli.common import CliError, add_output_option, emit

COLUMNS = (("id", "id"), ("state", "state"), ("matchers", "matchers"), ("ends", "ends_at"),
           ("by", "created_by"), ("comment", "comment"))


def _client(args: argparse.Namespace) -> Any:
    from fleettui.alerts.alertmanager import Alertmanager
    from fleettui.cli.commands.alerts import alert_sources

    _, url = alert_sources(args)
    if not url:
        raise CliError("the fleet file names no Alertmanager (`alertmanager:`)")
    return Alertmanager(url)


async def _add(args: argparse.Namespace) -> int:
    from fleettui.alerts.alertmanager import AlertmanagerError, Matcher
    from fleettui.alerts.promql import duration_seconds

    try:
        seconds = duration_seconds(args.duration)
    except ValueError as exc:
        raise CliError(f"--duration: {exc}") from exc
    if seconds <= 0:
        raise CliError("--duration must be longer than 0s")
    matchers = [Matcher("alertname", args.alert)]
    if args.cluster:
        matchers.append(Matcher("cluster", args.cluster))
    try:
        matchers += [Matcher.parse(m) for m in args.matcher or ()]
    except ValueError as exc:
        raise CliError(f"--matcher: {exc}") from exc
    client = _client(args)
    try:
        sid = await client.add_silence(matchers, duration=timedelta(seconds=seconds), comment=args.comment)
    except AlertmanagerError as exc:
        raise CliError(str(exc)) from exc
    print(f"silence {sid} added: {','.join(str(m) for m in matchers)} for {args.duration}")
    return 0


async def _list(args: argparse.Namespace) -> int:
    from fleettui.alerts.alertmanager import AlertmanagerError

    try:
        silences = await _client(args).silences()
    except AlertmanagerError as exc:
        raise CliError(str(exc)) from exc
    order = {"active": 0, "pending": 1, "expired": 2}
    silences = [s for s in silences if args.all or s.state != "expired"]
    silences.sort(key=lambda s: (order.get(s.state, 3), s.ends_at, s.id))
    emit(args.output, [s.record() for s in silences], COLUMNS, kind="SilenceList")
    return 0


async def _expire(args: argparse.Namespace) -> int:
    from fleettui.alerts.alertmanager import AlertmanagerError

    try:
        await _client(args).expire_silence(args.id)
    except AlertmanagerError as exc:
        raise CliError(str(exc)) from exc
    print(f"silence {args.id} expired")
    return 0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    from fleettui.cli.commands.app import run

    silence = subparsers.add_parser("silence", parents=parents, help="silences in the fleet's Alertmanager",
                                    description="Add, list and expire silences in the fleet's Alertmanager.")
    sub = silence.add_subparsers(dest="silence_command", metavar="COMMAND", required=True)

    p = sub.add_parser("add", parents=parents, help="silence an alert (on one cluster)")
    p.add_argument("--alert", required=True, metavar="NAME", help="the alert name (alertname)")
    p.add_argument("--cluster", metavar="C", help="only on this cluster (its `cluster` external label)")
    p.add_argument("--matcher", action="append", metavar="K=V", help="another matcher (=, !=, =~, !~); repeatable")
    p.add_argument("--duration", default="2h", help="how long (Prometheus duration, default: %(default)s)")
    p.add_argument("--comment", required=True, help="why (the Alertmanager requires one)")
    p.set_defaults(handler=run(_add))

    p = sub.add_parser("list", parents=parents, help="active and pending silences")
    p.add_argument("--all", action="store_true", help="expired ones too")
    add_output_option(p)
    p.set_defaults(handler=run(_list))

    p = sub.add_parser("expire", parents=parents, help="end a silence now")
    p.add_argument("id")
    p.set_defaults(handler=run(_expire))
