"""`fleettui cluster accept|deny|taint|untaint|set|detach|pending|placements`: membership on the hub.

These act on the hub's OCM and KubeVela objects (engine/membership.py says what each
one writes), where `cluster add|remove|label` edit the fleet file. The hub is the
same one discovery uses (`--hub`, the fleet file's `hub:`, a context named `hub`).
Read-only and watch mode are enforced by the kube layer's guard on the hub client:
nothing here checks the mode itself, so nothing here can forget to.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from fleettui.cli.common import CliError, add_output_option, emit, opt, positive_float
from fleettui.config import mode
from fleettui.config.errors import ConfigError

HubAction = Callable[[Any, argparse.Namespace], Awaitable[int]]


def hub_client(args: argparse.Namespace) -> Any:
    """The hub's ClusterClient for these arguments (the dashboard's membership actions use it too)."""
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.hub import resolve_hub
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.config.paths import fleet_file_path
    from fleettui.kube import ClusterClient

    fleet_arg = opt(args, "fleet")
    try:
        kubeconfig = load_kubeconfig(opt(args, "kubeconfig"))
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
        hub = resolve_hub(kubeconfig, fleet, opt(args, "hub"))
        if hub is None:
            raise CliError("no hub: pass --hub CONTEXT (or set one with `fleettui cluster hub CONTEXT`)")
        # the dashboard's args have no --request-timeout: its membership actions take the default
        return ClusterClient.from_kubeconfig(kubeconfig, context=hub, read_only=bool(opt(args, "read_only")),
                                             timeout=getattr(args, "request_timeout", 10.0))
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


def _runner(action: HubAction) -> Callable[[argparse.Namespace], int]:
    """A handler that runs `action(hub_client, args)`; hub and input errors become one line."""
    from fleettui.engine.membership import MembershipError
    from fleettui.kube import errors

    async def go(args: argparse.Namespace) -> int:
        client = hub_client(args)
        try:
            return await action(client, args)
        finally:
            await client.close()

    def handler(args: argparse.Namespace) -> int:
        try:
            return asyncio.run(go(args))
        except mode.WriteRefused:
            raise  # main prints the refusal once, in its own words
        except (MembershipError, errors.KubeError, ConfigError) as exc:
            raise CliError(str(exc)) from exc

    return handler


def _say(text: str) -> int:
    print(text)
    return 0


async def _accept(client: Any, args: argparse.Namespace) -> int:
    from fleettui.engine import membership

    for name in args.names:
        print(await membership.accept(client, name))
    return 0


async def _deny(client: Any, args: argparse.Namespace) -> int:
    from fleettui.engine import membership

    return _say(await membership.deny(client, args.name))


async def _taint(client: Any, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from fleettui.engine import membership

    taint = membership.Taint.parse(args.taint)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return _say(await membership.taint(client, args.name, taint, now=now))


async def _untaint(client: Any, args: argparse.Namespace) -> int:
    from fleettui.engine import membership

    key, _, effect = args.taint.partition(":")
    return _say(await membership.untaint(client, args.name, key.partition("=")[0], effect or None))


async def _set(client: Any, args: argparse.Namespace) -> int:
    from fleettui.engine import membership

    return _say(await membership.set_clusterset(client, args.name, args.clusterset))


async def _hub_label(client: Any, args: argparse.Namespace) -> int:
    from fleettui.config.labels import parse_label_args
    from fleettui.engine import membership

    try:
        to_set, to_remove = parse_label_args(args.labels)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    return _say(await membership.label(client, args.name, to_set, to_remove, overwrite=args.overwrite))


async def _detach(client: Any, args: argparse.Namespace) -> int:
    from fleettui.engine import membership

    plan = await membership.detach_plan(client, args.name)
    print(f"detach {args.name} from hub {client.name}: deletes")
    for line in plan:
        print(f"  - {line}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("not confirmed: pass --yes to run without a prompt")
        answer = await asyncio.to_thread(input, f"stop managing {args.name}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("cancelled")
            return 1
    return _say(await membership.detach(client, args.name))


async def _join(client: Any, args: argparse.Namespace) -> int:
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.engine import membership

    try:
        kubeconfig = load_kubeconfig(opt(args, "kubeconfig"))
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    return _say(await membership.vela_join(client, kubeconfig, args.member_context,
                                           args.name or args.member_context))


PENDING_COLUMNS = (("cluster", "cluster"), ("accepted", "accepted"), ("csr", "csr"),
                   ("state", "csr_state"), ("requestor", "requestor"), ("created", "created"))
PLACEMENT_COLUMNS = (("namespace", "namespace"), ("name", "name"), ("clustersets", "clustersets_text"),
                     ("requested", "requested"), ("selected", "selected"), ("satisfied", "satisfied"),
                     ("decisions", "decisions_text"))


async def _pending(client: Any, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from fleettui.engine import membership

    records = [asdict(r) for r in await membership.pending(client)]
    emit(args.output, records, PENDING_COLUMNS, kind="JoinRequestList")
    return 0


async def _placements(client: Any, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from fleettui.engine import membership

    records = []
    for row in await membership.placements(client, args.namespace):
        rec = asdict(row)
        rec["clustersets"], rec["decisions"] = list(row.clustersets), list(row.decisions)
        if args.output == "table":
            rec["clustersets_text"] = ",".join(row.clustersets) or "(bound sets)"
            rec["decisions_text"] = ",".join(row.decisions)
        records.append(rec)
    emit(args.output, records, PLACEMENT_COLUMNS, kind="PlacementList")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hub", metavar="CONTEXT", default=argparse.SUPPRESS,
                   help="hub context (default: the fleet file's hub, else a context named hub)")
    p.add_argument("--request-timeout", type=positive_float, default=10.0, metavar="SECONDS",
                   help="timeout for each request to the hub (default: %(default)s)")


def add_actions(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """The hub-side subcommands of `fleettui cluster` (cluster.py's register calls this)."""

    def action(name: str, help_: str, fn: HubAction, description: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=parents, help=help_, description=description or help_)
        _common(p)
        p.set_defaults(handler=_runner(fn))
        return p

    p = action("accept", "accept joining clusters on the hub (as `clusteradm accept`)", _accept,
               "Approve each cluster's pending agent CSRs and set hubAcceptsClient on its ManagedCluster.")
    p.add_argument("names", nargs="+", metavar="NAME")
    p = action("deny", "deny a joining cluster: its CSRs denied, hubAcceptsClient false", _deny)
    p.add_argument("name", metavar="NAME")
    p = action("taint", "taint a ManagedCluster (KEY[=VALUE]:EFFECT; NoSelect, PreferNoSelect, NoSelectIfNew)",
               _taint)
    p.add_argument("name", metavar="NAME")
    p.add_argument("taint", metavar="KEY[=VALUE]:EFFECT")
    p = action("untaint", "remove a ManagedCluster's taint (KEY or KEY:EFFECT)", _untaint)
    p.add_argument("name", metavar="NAME")
    p.add_argument("taint", metavar="KEY[:EFFECT]")
    p = action("set", "put a ManagedCluster in a ManagedClusterSet (as `clusteradm clusterset set`)", _set)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--clusterset", required=True, metavar="SET")
    p = action("hub-label", "label a cluster on the hub: its ManagedCluster and KubeVela cluster secret "
               "(as `vela cluster labels add/del`); KEY=VALUE sets, KEY- removes", _hub_label)
    p.add_argument("name", metavar="NAME")
    p.add_argument("labels", nargs="+", metavar="KEY=VALUE|KEY-")
    p.add_argument("--overwrite", action="store_true", help="allow changing existing values")
    p = action("detach", "stop managing a cluster: delete its ManagedCluster and KubeVela cluster secret "
               "(asks first; --yes)", _detach)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p = action("join", "register a cluster in KubeVela on the hub from its kubeconfig context "
               "(as `vela cluster join`: endpoint, CA and token or client certificate)", _join)
    p.add_argument("member_context", metavar="CONTEXT")
    p.add_argument("--name", help="cluster name on the hub (default: the context name)")
    p = action("pending", "joining clusters and their agents' CSRs awaiting a decision", _pending)
    add_output_option(p)
    p = action("placements", "OCM Placements and the clusters they decided", _placements)
    p.add_argument("--namespace", "-n", default=None, help="one namespace (default: all)")
    add_output_option(p)
