"""`fleettui services` (the clusterset's services from the cache) and
`fleettui service export|unexport|import` (writes through the kube layer, after a preview)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fleettui.cli.common import CliError, add_output_option, cache_path_arg, emit, opt

COLUMNS = (("namespace", "namespace"), ("name", "name"), ("type", "type"), ("ports", "ports_text"),
           ("exported by", "exporting_text"), ("imported by", "importing_text"),
           ("ready endpoints", "endpoints_text"), ("export status", "status_text"), ("dns", "dns"))


def export_badge(e: Any) -> str:
    """One cluster's export in a word that reads without colour: the condition that matters most."""
    valid, ready, conflict = (e.conditions.get(t) or {} for t in ("Valid", "Ready", "Conflict"))
    if valid.get("status") == "False":
        word = f"invalid {valid.get('reason', '')}"
    elif conflict.get("status") == "True":
        word = f"conflict {conflict.get('reason', '')}"
    elif ready.get("status") == "True":
        word = f"ready {ready.get('reason', '')}"
    elif ready:
        word = f"not ready {ready.get('reason', '')}"
    else:
        word = "unknown"
    return f"{e.cluster}: {word.strip()}" + (" (stale)" if e.stale else "")


def service_record(row: Any) -> dict[str, Any]:
    a = row.analysis
    ready = row.ready_by_source()
    return {
        "namespace": row.namespace, "name": row.name, "dns": row.dns, "type": row.import_type,
        "health": row.health, "ports": row.ports, "exporting": row.exporting, "importing": row.importing,
        "ready_endpoints": ready,
        "exports": [{"cluster": e.cluster, "health": e.health, "stale": e.stale, "conditions": e.conditions}
                    for e in row.exports],
        "imports": [{"cluster": i.cluster, "type": i.type, "ips": i.ips, "clusters": i.clusters, "stale": i.stale}
                    for i in row.imports],
        "winner": a.winner,
        "conflicts": [{"cluster": c.cluster, "reason": c.reason, "message": c.message} for c in a.conflicts],
        "partial_ports": [{"port": p.label, "clusters": list(p.clusters)} for p in a.partial_ports],
        "ports_text": ", ".join(row.ports) or "-",
        "exporting_text": ", ".join(row.exporting) or "-",
        "importing_text": ", ".join(row.importing) or "-",
        "endpoints_text": " ".join(f"{c}={n}" for c, n in ready.items()) or "-",
        "status_text": "; ".join(export_badge(e) for e in row.exports) or "-",
    }


async def _read(path: str) -> list[Any]:
    from fleettui.store import Store
    from fleettui.store.services import service_sets

    store = await Store.open(path, read_only_fallback=True)
    try:
        return await service_sets(store)
    finally:
        await store.close()


def _cache(args: argparse.Namespace) -> str:
    from fleettui.config.paths import cache_path

    path = cache_path(cache_path_arg(args))
    if not os.path.exists(path):
        raise CliError(f"no cache at {path}; run `fleettui sync --once` first")
    return str(path)


def run_services(args: argparse.Namespace) -> int:
    from fleettui.store import StoreError

    try:
        rows = asyncio.run(_read(_cache(args)))
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    emit(args.output, [service_record(r) for r in rows], COLUMNS, kind="ServiceSetList")
    return 0


@asynccontextmanager
async def cluster_clients(kubeconfig: Any, contexts: dict[str, str | None], *,
                          read_only: bool) -> AsyncIterator[dict[str, Any]]:
    """{cluster: ClusterClient} for these clusters (context None: the cluster's own name),
    closed on the way out; for `fleettui service` and the dashboard's services pane."""
    from fleettui.kube.client import ClusterClient

    clients: dict[str, Any] = {}
    try:
        for cluster, wanted in contexts.items():
            context = wanted or cluster
            if not kubeconfig.has_context(context):
                raise CliError(f"no context {context!r} for cluster {cluster!r} in the kubeconfig")
            clients[cluster] = ClusterClient.from_kubeconfig(kubeconfig, context=context, name=cluster,
                                                             read_only=read_only)
        yield clients
    finally:
        for c in clients.values():
            await c.close()


async def _act(args: argparse.Namespace, action: Any) -> int:
    from fleettui.config.errors import ConfigError
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.engine import mcs_actions
    from fleettui.kube import errors
    from fleettui.store import Store

    store = await Store.open(_cache(args), read_only_fallback=True)
    try:
        lines = await mcs_actions.preview(store, action)
        contexts = {c.name: c.context for c in await store.clusters()}
    finally:
        await store.close()
    print(f"{action.title}:")
    for line in lines:
        print(f"  - {line}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError("not confirmed: pass --yes to run without a prompt")
        answer = await asyncio.to_thread(input, "proceed? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("cancelled")
            return 1
    try:
        kubeconfig = load_kubeconfig(opt(args, "kubeconfig"))
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    wanted = {c: contexts.get(c) for c in (action.cluster, *action.to)}
    try:
        async with cluster_clients(kubeconfig, wanted, read_only=bool(opt(args, "read_only", False))) as clients:
            for line in await mcs_actions.execute(clients, action):
                print(line)
    except errors.ReadOnlyViolation as exc:
        raise CliError(f"refused: read-only mode ({exc})") from exc
    except errors.KubeError as exc:
        raise CliError(str(exc)) from exc
    except mcs_actions.ServiceActionError as exc:
        raise CliError(str(exc)) from exc
    return 0


def run_service(args: argparse.Namespace) -> int:
    from fleettui.engine.mcs_actions import ServiceAction, ServiceActionError
    from fleettui.store import StoreError

    to = tuple(c.strip() for c in (args.to or "").split(",") if c.strip())
    if args.verb != "import" and to:
        raise CliError("--to is for import only")
    try:
        action = ServiceAction(args.verb, args.namespace, args.name, args.cluster, to)
    except ServiceActionError as exc:
        raise CliError(str(exc)) from exc
    try:
        return asyncio.run(_act(args, action))
    except StoreError as exc:
        raise CliError(str(exc)) from exc


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "services", parents=parents, help="list multi-cluster services from the cache (no network)",
        description="One row per (namespace, service) across the clusterset: exporting and importing "
        "clusters, the import's type and ports, ready endpoints per source cluster, each export's "
        "Valid/Ready/Conflict status and the clusterset DNS name.")
    add_output_option(p)
    p.set_defaults(handler=run_services)
    s = subparsers.add_parser(
        "service", parents=parents, help="export, unexport or import a Service across the clusterset",
        description="Export a Service from a cluster (creates its ServiceExport), unexport it, or import it "
        "into consumer clusters (creates their ServiceImport; the provider's export first if it has none). "
        "Shows what the merged import would become first.")
    s.add_argument("verb", choices=("export", "unexport", "import"))
    s.add_argument("name", help="the Service's name")
    s.add_argument("-n", "--namespace", required=True)
    s.add_argument("--cluster", required=True, help="the provider cluster (where the Service runs)")
    s.add_argument("--to", help="import: consumer clusters, comma-separated")
    s.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    s.set_defaults(handler=run_service)
