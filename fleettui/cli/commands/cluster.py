"""`fleettui cluster add|remove|label|hub`: register clusters in the fleet file.

Every edit is load → change → atomic save under a lock, so a failed command
leaves the file as it was and two concurrent edits do not lose each other.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from fleettui.cli.common import (
    CliError,
    add_output_option,
    emit,
    non_negative_float,
    opt,
    positive_float,
)
from fleettui.config.errors import ConfigError
from fleettui.config.fleetfile import Cost, FleetCluster, cluster_name_error, edit
from fleettui.config.labels import parse_label_args
from fleettui.config.paths import fleet_file_path

if TYPE_CHECKING:
    from fleettui.sync.discovery import Member


def _fleet_path(args: argparse.Namespace) -> str:
    return str(fleet_file_path(opt(args, "fleet")))


def _check_context(args: argparse.Namespace, context: str) -> None:
    """Refuse to register a context kubectl would not find (unless --no-verify)."""
    if getattr(args, "no_verify", False):
        return
    from fleettui.config.kubeconfig import load_kubeconfig

    kc = load_kubeconfig(opt(args, "kubeconfig"))
    if not kc.has_context(context):
        raise ConfigError(
            f"context {context!r} is not in the kubeconfig ({':'.join(kc.paths)}); "
            "pass --no-verify to register it anyway"
        )


def run_add(args: argparse.Namespace) -> int:
    try:
        to_set, to_remove = parse_label_args(args.label or [])
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    if to_remove:
        raise CliError("`cluster add` takes KEY=VALUE labels only")
    cost = None
    if args.cpu_core_hour is not None or args.memory_gib_hour is not None:
        cost = Cost(args.cpu_core_hour, args.memory_gib_hour)
    name = args.name or args.context
    bad_name = cluster_name_error(name)
    if bad_name:
        hint = "" if args.name else " (kubeconfig context names are free-form: pass --name NAME)"
        raise CliError(bad_name + hint)
    path = _fleet_path(args)
    try:
        _check_context(args, args.context)
        with edit(path) as fleet:
            fleet.add(
                FleetCluster(
                    name=name,
                    context=args.context,
                    provider=args.provider,
                    region=args.region,
                    zone=args.zone,
                    labels=to_set,
                    prometheus=args.prometheus,
                    cost=cost,
                )
            )
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    print(f"cluster {name} added to {path}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    path = _fleet_path(args)
    try:
        with edit(path) as fleet:
            for name in args.names:
                fleet.remove(name)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    for name in args.names:
        print(f"cluster {name} removed from {path}")
    return 0


def run_label(args: argparse.Namespace) -> int:
    try:
        to_set, to_remove = parse_label_args(args.labels)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    path = _fleet_path(args)
    try:
        with edit(path) as fleet:
            updated = fleet.relabel(args.name, to_set, to_remove, overwrite=args.overwrite)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    shown = ",".join(f"{k}={v}" for k, v in sorted(updated.labels.items())) or "<none>"
    print(f"cluster {args.name} labeled: {shown}")
    return 0


def run_hub(args: argparse.Namespace) -> int:
    if bool(args.context) == bool(args.unset):
        raise CliError("give a hub CONTEXT or --unset")
    path = _fleet_path(args)
    try:
        if args.context:
            _check_context(args, args.context)
        with edit(path) as fleet:
            fleet.hub = args.context or None
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    print(f"hub {'set to ' + args.context if args.context else 'unset'} in {path}")
    return 0


LIST_COLUMNS = (
    ("name", "name"),
    ("context", "context"),
    ("source", "source"),
    ("provider", "provider"),
    ("region", "region"),
    ("zone", "zone"),
    ("labels", "labels_text"),
    ("registration", "registration_text"),
)


def member_record(member: Member) -> dict[str, Any]:
    """A discovered member as a flat record (JSON/YAML) plus the table's text columns."""
    rec = {
        "name": member.name,
        "context": member.context,
        "server": member.server,
        "source": member.source,
        "provider": member.provider,
        "region": member.region,
        "zone": member.zone,
        "labels": dict(member.labels),
        "prometheus": member.prometheus_url,
        "cost": member.cost.to_dict() if member.cost else None,
        "registration": dict(member.registration) if member.registration else None,
    }
    rec["labels_text"] = ",".join(f"{k}={v}" for k, v in sorted(member.labels.items()))
    rec["registration_text"] = member.registration.summary if member.registration else ""
    return rec


def run_list(args: argparse.Namespace) -> int:
    """Discover the fleet now (kubeconfig + fleet file + hub) without touching the cache."""
    import asyncio

    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.sync.discovery import discover_members

    fleet_arg = opt(args, "fleet")
    try:
        kubeconfig = load_kubeconfig(opt(args, "kubeconfig"))
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
        members = asyncio.run(
            discover_members(
                kubeconfig,
                fleet,
                opt(args, "context"),
                read_only=True,
                hub_context=opt(args, "hub"),
                request_timeout=args.request_timeout,
            )
        )
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    for problem in members.errors:
        print(f"fleettui: warning: {problem}", file=sys.stderr)
    records = [member_record(m) for m in members]
    if args.output != "table":
        for r in records:
            r.pop("labels_text")
            r.pop("registration_text")
    emit(args.output, records, LIST_COLUMNS, kind="MemberList")
    return 0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "cluster",
        parents=parents,
        help="the fleet's membership: register clusters in the fleet file (add, remove, label, hub), "
        "list the members discovered now, manage membership on the hub (accept, deny, taint, set, "
        "hub-label, detach, pending, placements)",
        description="Edit the fleet file (--fleet, default $XDG_CONFIG_HOME/fleettui/fleet.yaml; "
        "writes are atomic, comments other than the header block are not kept), list the members "
        "discovered now, or act on the hub's OCM ManagedClusters and KubeVela cluster secrets.",
    )
    sub = p.add_subparsers(dest="cluster_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", parents=parents, help="register a kubeconfig context as a cluster")
    add.add_argument("context", metavar="CONTEXT", help="kubeconfig context of the cluster")
    add.add_argument("--name", help="cluster name in fleettui (default: the context name)")
    add.add_argument(
        "--label", "-l", action="append", metavar="KEY=VALUE", help="label (repeatable)"
    )
    add.add_argument("--provider", help="ack, eks, aks, gke, idc, edge, ...")
    add.add_argument("--region")
    add.add_argument("--zone")
    add.add_argument("--prometheus", metavar="URL", help="Prometheus base URL for this cluster")
    add.add_argument(
        "--cpu-core-hour", type=non_negative_float, metavar="PRICE", help="cost of one CPU core hour"
    )
    add.add_argument(
        "--memory-gib-hour", type=non_negative_float, metavar="PRICE", help="cost of one GiB memory hour"
    )
    add.add_argument("--no-verify", action="store_true", help="do not check the context exists")
    add.set_defaults(handler=run_add)

    rm = sub.add_parser("remove", parents=parents, help="unregister clusters")
    rm.add_argument("names", nargs="+", metavar="NAME")
    rm.set_defaults(handler=run_remove)

    lb = sub.add_parser(
        "label",
        parents=parents,
        help="set (KEY=VALUE) or remove (KEY-) labels",
        description="kubectl-style: KEY=VALUE sets, KEY- removes; changing a value needs --overwrite.",
    )
    lb.add_argument("name", metavar="NAME")
    lb.add_argument("labels", nargs="+", metavar="KEY=VALUE|KEY-")
    lb.add_argument("--overwrite", action="store_true", help="allow changing existing values")
    lb.set_defaults(handler=run_label)

    ls = sub.add_parser(
        "list",
        parents=parents,
        help="which clusters are members and how they are reached, discovered now (no cache)",
        description="Members as discovery finds them right now (no cache): kubeconfig contexts "
        "enriched by the fleet file, plus OCM ManagedClusters and KubeVela cluster secrets on the hub, "
        "and whether each is reached directly or through the hub's gateway. For their state "
        "(health, capacity, last seen) from the cache, without the network, see `fleettui clusters`.",
    )
    ls.add_argument(
        "--hub",
        metavar="CONTEXT",
        default=argparse.SUPPRESS,
        help="hub context (default: the fleet file's hub, else a context named hub)",
    )
    ls.add_argument(
        "--request-timeout",
        type=positive_float,
        default=10.0,
        metavar="SECONDS",
        help="timeout for each request to the hub (default: %(default)s)",
    )
    add_output_option(ls)
    ls.set_defaults(handler=run_list)

    hub = sub.add_parser("hub", parents=parents, help="name the hub context (OCM / KubeVela)")
    hub.add_argument("context", nargs="?", metavar="CONTEXT")
    hub.add_argument("--unset", action="store_true", help="forget the hub")
    hub.add_argument("--no-verify", action="store_true", help="do not check the context exists")
    hub.set_defaults(handler=run_hub)

    from fleettui.cli.commands.cluster_hub import add_actions

    add_actions(sub, parents)
