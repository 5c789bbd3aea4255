"""`fleettui app apply|list|status|rollback|delete`: KubeVela Applications, on the local
hub (default: the store, run by the engine in this process) or a Kubernetes hub
(`--hub CONTEXT`: Application CRs; our controller or KubeVela runs them).

On the local hub, a command that changes an application keeps running its
workflow until it is done, suspended, terminated or failed; any later fleettui
process continues what an earlier one left (a lease keeps two from running the
same application at once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fleettui.cli.common import CliError, add_output_option, cache_path_arg, emit, opt
from fleettui.config import mode

LIST_COLUMNS = (("namespace", "namespace"), ("name", "name"), ("phase", "phase"), ("revision", "revision"),
                ("workflow", "workflow"), ("clusters", "clusters"), ("message", "message"))
STATUS_COLUMNS = (("cluster", "cluster"), ("component", "component"), ("resource", "resource"),
                  ("namespace", "namespace"), ("name", "name"), ("healthy", "healthy"), ("placement", "placement"),
                  ("message", "message"))
STEP_COLUMNS = (("step", "name"), ("type", "type"), ("phase", "phase"), ("message", "message"))


def _kubeconfig(args: argparse.Namespace) -> Any:
    from fleettui.config.errors import ConfigError
    from fleettui.config.kubeconfig import load_kubeconfig

    try:
        return load_kubeconfig(opt(args, "kubeconfig"))
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


async def _members(args: argparse.Namespace, kubeconfig: Any, read_only: bool) -> list[tuple[str, str, dict]]:
    """(name, context, labels) of the fleet's reachable members (sync's discovery: kubeconfig,
    fleet file, hub registrations). A context named `hub` is taken as the hub, not a member,
    unless the fleet file names another hub."""
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import fleet_file_path
    from fleettui.sync.members import discover_members

    try:
        fleet = FleetFile.load(fleet_file_path(opt(args, "fleet")), missing_ok=True)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    hub_context = getattr(fleet, "hub", None) or ("hub" if kubeconfig.has_context("hub") else None)
    try:
        members = await discover_members(kubeconfig, fleet, opt(args, "context"), read_only=True,
                                         hub_context=hub_context, request_timeout=5.0)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    return [(m.name, m.context, dict(m.labels)) for m in members if m.context]


@asynccontextmanager
async def open_hub(args: argparse.Namespace, *, engine: bool = True):
    """The hub the command talks to: `--hub CONTEXT` (Kubernetes) or the local store."""
    # the process policy is what refuses; the flags also count for callers that did not
    # come through main() (the dashboard's hub sessions, tests)
    read_only = mode.current().read_only or bool(opt(args, "read_only", False) or opt(args, "watch", False))
    kubeconfig = _kubeconfig(args) if (engine or getattr(args, "hub", None)) else None
    hub_context = getattr(args, "hub", None)
    from fleettui.config.paths import cache_path
    from fleettui.engine import setup
    from fleettui.store import Store, StoreError

    if hub_context and not kubeconfig.has_context(hub_context):
        raise CliError(f"hub context {hub_context!r} is not in the kubeconfig")
    try:
        store = await Store.open(cache_path(cache_path_arg(args)))
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if store.recovered_from is not None:
        # the local hub's applications live in the cache: say loudly where they went
        print(f"fleettui: warning: the cache was unreadable and has been moved aside to "
              f"{store.recovered_from}; local-hub applications stored in it are not in the new "
              "cache (re-apply their files)", file=sys.stderr)
    try:
        if hub_context:
            hub = setup.kube_hub(kubeconfig, hub_context, store=store, read_only=read_only)
        elif engine:
            hub = setup.local_hub(store, kubeconfig, await _members(args, kubeconfig, read_only), read_only=read_only)
        else:
            from fleettui.engine.hub_local import LocalHub
            from fleettui.store.apps import AppStore

            hub = LocalHub(AppStore(store), read_only=read_only)
        try:
            yield hub
        finally:
            await hub.close()
    finally:
        await store.close()


async def follow(hub: Any, namespace: str, name: str, *, quiet: bool = False) -> int:
    """Local hub: pick up other applications' pending work, then run this one until it
    settles; print where it stopped. A Kubernetes hub runs it itself."""
    engine = getattr(hub, "engine", None)
    if engine is None or hub.read_only:
        return 0
    await engine.run_pending()
    result = await engine.run_until_settled(namespace, name, poll=1.0)
    if result is None:
        print(f"application {namespace}/{name} is being run by another fleettui process", file=sys.stderr)
        return 0
    if quiet or result.phase == "deleted":
        return 0
    app = await hub.get(namespace, name)
    wf = ((app or {}).get("status") or {}).get("workflow") or {}
    print(f"\nphase: {result.phase}")
    emit("table", wf.get("steps") or [], STEP_COLUMNS)
    if wf.get("message"):
        print(f"message: {wf['message']}")
    if result.phase == "workflowSuspending":
        print(f"resume with: fleettui workflow resume {name} -n {namespace}")
    elif result.phase == "workflowFailed":
        print(f"once the cause is fixed, retry with: fleettui workflow restart {name} -n {namespace}"
              " [--step STEP]")
    return 1 if result.phase in ("workflowFailed",) else 0


def _load_file(path: str) -> list[dict[str, Any]]:
    from fleettui.engine.model import load_documents

    p = Path(path)
    try:
        text = sys.stdin.read() if path == "-" else p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return load_documents(text, source=path)


async def _apply(args: argparse.Namespace) -> int:
    from fleettui.engine.errors import EngineError

    docs = _load_file(args.filename)
    async with open_hub(args) as hub:
        applied = []
        for doc in docs:
            if isinstance(doc, dict) and args.namespace and not (doc.get("metadata") or {}).get("namespace"):
                doc.setdefault("metadata", {})["namespace"] = args.namespace
            try:
                res = await hub.apply(doc)
            except EngineError as exc:
                raise CliError(str(exc)) from exc
            print(f"application.core.oam.dev/{res.name} {res.action}" + (f" (hub {hub.name})" if hub.name != "local" else ""))
            for entry in res.plan:
                extra = f"  overrides: {'; '.join(entry.overrides)}" if entry.overrides else ""
                print(f"  {entry.step} -> {entry.cluster}: {', '.join(entry.objects)}{extra}")
            applied.append(res)
        code = 0
        if not args.no_wait:
            for res in applied:
                code |= await follow(hub, res.namespace, res.name)
        return code


def _list_record(r: Any) -> dict[str, Any]:
    return {"hub": r.hub, "namespace": r.namespace, "name": r.name, "phase": r.phase, "revision": r.revision,
            "workflow": f"{r.steps_done}/{r.steps_total}", "clusters": f"{r.clusters_healthy}/{r.clusters}",
            "message": r.message, "steps_done": r.steps_done, "steps_total": r.steps_total,
            "clusters_total": r.clusters, "clusters_healthy": r.clusters_healthy}


async def _list(args: argparse.Namespace) -> int:
    async with open_hub(args, engine=False) as hub:
        rows = await hub.list()
    emit(args.output, [_list_record(r) for r in rows], LIST_COLUMNS, kind="ApplicationList")
    return 0


async def _status(args: argparse.Namespace) -> int:
    from fleettui.engine.errors import EngineError

    async with open_hub(args, engine=False) as hub:
        try:
            st = await hub.status(args.namespace, args.name)
        except EngineError as exc:
            raise CliError(str(exc)) from exc
    rows = [{"cluster": r.cluster, "component": r.component, "resource": r.kind, "namespace": r.namespace,
             "name": r.name, "healthy": {True: "healthy", False: "unhealthy", None: "unknown"}[r.healthy],
             "placement": r.placement, "message": r.message} for r in st.rows]
    if args.output != "table":
        out = {"application": st.application, "resources": rows}
        if args.output == "json":
            json.dump(out, sys.stdout, indent=2, default=str)
            sys.stdout.write("\n")
        else:
            import yaml

            yaml.safe_dump(out, sys.stdout, sort_keys=False)
        return 0
    status = st.status
    wf = status.get("workflow") or {}
    print(f"About:\n  Name:      {args.name}\n  Namespace: {args.namespace}\n"
          f"  Revision:  {(status.get('latestRevision') or {}).get('name', '-')}\n"
          f"  Phase:     {status.get('status', '-')}\n")
    print(f"Workflow:\n  mode: {wf.get('mode', '-')}  finished: {wf.get('finished', False)}  "
          f"suspend: {wf.get('suspend', False)}  terminated: {wf.get('terminated', False)}")
    if wf.get("message"):
        print(f"  message: {wf['message']}")
    emit("table", [{**s, "message": s.get("message", "")} for s in wf.get("steps") or []], STEP_COLUMNS)
    print("\nResources:")
    emit("table", rows, STATUS_COLUMNS)
    return 0


async def _rollback(args: argparse.Namespace) -> int:
    from fleettui.engine.errors import EngineError

    async with open_hub(args) as hub:
        try:
            print(await hub.rollback(args.namespace, args.name, args.revision))
        except EngineError as exc:
            raise CliError(str(exc)) from exc
        return 0 if args.no_wait else await follow(hub, args.namespace, args.name)


async def _delete(args: argparse.Namespace) -> int:
    from fleettui.engine.errors import EngineError

    async with open_hub(args) as hub:
        try:
            print(await hub.delete(args.namespace, args.name))
        except EngineError as exc:
            raise CliError(str(exc)) from exc
        if not args.no_wait:
            await follow(hub, args.namespace, args.name, quiet=True)
            if getattr(hub, "engine", None) is not None and await hub.get(args.namespace, args.name) is None:
                print(f"application {args.namespace}/{args.name} deleted")
        return 0


def run(coro_fn: Any) -> Any:
    """A handler that runs the coroutine; engine and cluster errors become one line on stderr."""

    def handler(args: argparse.Namespace) -> int:
        from fleettui.config.mode import WriteRefused
        from fleettui.engine.errors import EngineError
        from fleettui.kube import errors

        try:
            return asyncio.run(coro_fn(args))
        except WriteRefused:
            raise  # reported by main() as every read-only refusal is
        except (EngineError, errors.KubeError) as exc:
            raise CliError(str(exc)) from exc

    return handler


def add_target(p: argparse.ArgumentParser, *, name: bool = True) -> None:
    if name:
        p.add_argument("name", help="application name")
    p.add_argument("-n", "--namespace", default="default", help="application namespace (default: %(default)s)")
    p.add_argument("--hub", metavar="CONTEXT", help="a Kubernetes hub context (default: the local hub)")


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    app = subparsers.add_parser("app", parents=parents, help="KubeVela applications across the fleet",
                                description="Declare, inspect and operate KubeVela Applications.")
    sub = app.add_subparsers(dest="app_command", metavar="COMMAND", required=True)

    p = sub.add_parser("apply", parents=parents, help="apply an Application file")
    p.add_argument("-f", "--filename", required=True, help="Application YAML file ('-' for stdin)")
    add_target(p, name=False)
    p.set_defaults(namespace=None)
    p.add_argument("--no-wait", action="store_true", help="store it and return; do not run the workflow now")
    p.set_defaults(handler=run(_apply))

    p = sub.add_parser("list", parents=parents, help="applications with phase, revision and progress")
    p.add_argument("--hub", metavar="CONTEXT", help="a Kubernetes hub context (default: the local hub)")
    add_output_option(p)
    p.set_defaults(handler=run(_list))

    p = sub.add_parser("status", parents=parents, help="one row per cluster and resource, like vela status")
    add_target(p)
    add_output_option(p)
    p.set_defaults(handler=run(_status))

    p = sub.add_parser("rollback", parents=parents, help="re-apply an earlier revision")
    add_target(p)
    p.add_argument("--revision", help="revision number or name (default: the last succeeded one)")
    p.add_argument("--no-wait", action="store_true")
    p.set_defaults(handler=run(_rollback))

    p = sub.add_parser("delete", parents=parents, help="delete the application and what it placed")
    add_target(p)
    p.add_argument("--no-wait", action="store_true")
    p.set_defaults(handler=run(_delete))
