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
from typing import TYPE_CHECKING, Any

from fleettui.cli.commands.app_placement import print_placement
from fleettui.cli.common import CliError, add_output_option, cache_path_arg, emit, opt, summarize
from fleettui.config import mode

if TYPE_CHECKING:  # the engine loads only when a command needs it
    from fleettui.config.kubeconfig import KubeConfig
    from fleettui.engine.hub import Hub
    from fleettui.engine.hub_kube import KubeHub
    from fleettui.engine.hub_local import LocalHub

LIST_COLUMNS = (("namespace", "namespace"), ("name", "name"), ("phase", "phase"), ("revision", "revision"),
                ("workflow", "workflow"), ("clusters", "clusters"), ("message", "message"))
STATUS_COLUMNS = (("cluster", "cluster"), ("component", "component"), ("resource", "resource"),
                  ("namespace", "namespace"), ("name", "name"), ("healthy", "healthy"), ("placement", "placement"),
                  ("message", "message"))
STEP_COLUMNS = (("step", "name"), ("type", "type"), ("phase", "phase"), ("message", "message"))


def step_records(steps: list[dict[str, Any]], depth: int = 0) -> list[dict[str, Any]]:
    """Steps for a table, each step-group's sub-steps indented under it (they are what
    `workflow resume --step` can name, and where a group actually waits)."""
    out = []
    for s in steps:
        out.append({**s, "name": "  " * depth + ("- " if depth else "") + s.get("name", ""),
                    "message": s.get("message", "")})
        out += step_records(s.get("subSteps") or [], depth + 1)
    return out


def _kubeconfig(args: argparse.Namespace) -> KubeConfig:
    from fleettui.config.errors import ConfigError
    from fleettui.config.kubeconfig import load_kubeconfig

    try:
        return load_kubeconfig(opt(args, "kubeconfig"))
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


async def _members(args: argparse.Namespace, kubeconfig: Any, read_only: bool) -> list[tuple[Any, ...]]:
    """(name, context, labels, gateway) of the fleet's reachable members — gateway: (hub context,
    name at its Cluster Gateway) for those reached through the hub (sync's discovery: kubeconfig,
    fleet file, hub registrations); which context is the hub is discovery's rule
    (`config.hub.resolve_hub`), the same as the sync's and the dashboard's."""
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import fleet_file_path
    from fleettui.sync.discovery import discover_members

    try:
        fleet = FleetFile.load(fleet_file_path(opt(args, "fleet")), missing_ok=True)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    try:
        members = await discover_members(kubeconfig, fleet, opt(args, "context"), read_only=True,
                                         hub_context=opt(args, "hub"), request_timeout=5.0)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    for problem in members.errors:
        print(f"fleettui: warning: {problem}", file=sys.stderr)
    return [(m.name, m.context, dict(m.labels),
             (m.via, m.gateway or m.name) if m.access == "gateway" else None)
            for m in members if m.reachable]


def prometheus_urls(args: argparse.Namespace) -> dict[str, str]:
    """cluster -> Prometheus URL from the fleet file (by name and by context): where the
    engine's check-metrics gates measure a canary cluster."""
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import fleet_file_path

    try:
        fleet = FleetFile.load(fleet_file_path(opt(args, "fleet")), missing_ok=True)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    out: dict[str, str] = {}
    for c in fleet.clusters.values():
        if c.prometheus:
            out[c.name] = c.prometheus
            if c.context:
                out.setdefault(c.context, c.prometheus)
    return out


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

    if hub_context and kubeconfig is not None and not kubeconfig.has_context(hub_context):
        raise CliError(f"hub context {hub_context!r} is not in the kubeconfig")
    try:
        store = await Store.open(cache_path(cache_path_arg(args)))
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    if store.recovered_from is not None:
        # the local hub's applications live in the cache: say loudly where they went
        print(f"fleettui: warning: the cache was corrupt and has been moved aside to "
              f"{store.recovered_from}; local-hub applications stored in it are not in the new "
              "cache (re-apply their files)", file=sys.stderr)
    hub: KubeHub | LocalHub
    try:
        # kubeconfig was loaded exactly when a hub context or the engine needs it
        if hub_context and kubeconfig is not None:
            hub = setup.kube_hub(kubeconfig, hub_context, store=store, read_only=read_only)
        elif engine and kubeconfig is not None:
            hub = setup.local_hub(store, kubeconfig, await _members(args, kubeconfig, read_only), read_only=read_only,
                                  retry=retry_policy(args), prometheus=prometheus_urls(args))
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


def add_retry_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retry-for", metavar="DURATION", default=None,
                   help="how long a deploy step keeps retrying an unreachable cluster before the step fails "
                        "(Go duration: 90s, 5m, 1h; 0: no retries; default: 5m)")


def retry_policy(args: argparse.Namespace) -> Any:
    """The engine's retry policy from `--retry-for` (None: the engine's default)."""
    from fleettui.engine.durations import parse_duration
    from fleettui.engine.retry import RetryPolicy

    text = getattr(args, "retry_for", None)
    if text is None:
        return None
    try:
        return RetryPolicy(window=0.0 if text == "0" else parse_duration(text))
    except ValueError as exc:
        raise CliError(f"--retry-for: {exc}") from exc


def _say_retry(namespace: str, name: str, line: str) -> None:
    # a long outage must not look like a hang: every try and its wait, as it happens
    print(f"fleettui: {namespace}/{name}: {line}", file=sys.stderr, flush=True)


async def follow(hub: Hub, namespace: str, name: str, *, quiet: bool = False, verbose: bool = False) -> int:
    """Local hub: pick up other applications' pending work, then run this one until it
    settles; print where it stopped. A Kubernetes hub runs it itself."""
    engine = getattr(hub, "engine", None)
    if engine is None or hub.read_only:
        return 0
    engine.on_retry = _say_retry
    await engine.run_pending()
    result = await engine.run_until_settled(namespace, name, poll=1.0)  # LeaseHeld: an error, exit 1
    if quiet or result.phase == "deleted":
        return 0
    app = await hub.get(namespace, name)
    wf = ((app or {}).get("status") or {}).get("workflow") or {}
    print(f"\nphase: {result.phase}")
    print_steps(wf, verbose=verbose)
    if result.phase == "workflowSuspending":
        print(f"resume with: fleettui workflow resume {name} -n {namespace}")
    elif result.phase == "workflowFailed":
        print(f"once the cause is fixed, retry with: fleettui workflow restart {name} -n {namespace}"
              " [--step STEP]")
    return 1 if result.phase in ("workflowFailed",) else 0


def print_steps(wf: dict[str, Any], *, verbose: bool) -> None:
    """The steps table with long messages summarised, then each full text once (`-v`).
    The workflow's message usually repeats a step's: it is not printed a second time."""
    steps = step_records(wf.get("steps") or [])
    emit("table", [{**st, "message": summarize(st.get("message") or "")} for st in steps], STEP_COLUMNS)
    full = [st.get("message") or "" for st in steps]
    message = wf.get("message") or ""
    if message and message not in full:
        print(f"message: {message if verbose else summarize(message)}")
    if verbose:
        for st, text in zip(steps, full, strict=True):
            if text != summarize(text):
                print(f"{st.get('name')}: {text}")


def _load_file(path: str) -> list[dict[str, Any]]:
    from fleettui.config import yamlfile
    from fleettui.config.errors import ConfigError
    from fleettui.engine.model import load_documents

    try:
        text = yamlfile.read_text(path, what="Application file")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    return load_documents(text, source=path)


def _namespace_from_flag(doc: Any, namespace: str | None) -> None:
    """`-n` fills in a namespace the file leaves out and must agree with one it names,
    as kubectl refuses the mismatch rather than silently picking one."""
    if not isinstance(doc, dict) or not namespace:
        return
    meta = doc.get("metadata")
    if meta is None:
        meta = doc["metadata"] = {}
    if not isinstance(meta, dict):
        return  # validation names the problem
    own = meta.get("namespace")
    if not own:
        meta["namespace"] = namespace
    elif own != namespace:
        raise CliError(f"the namespace from the provided object {own!r} does not match the namespace "
                       f"{namespace!r}. You must pass '--namespace={own}' to perform this operation.")


def override_warnings(doc: Any, found: dict[Any, Any] | None = None) -> list[str]:
    from fleettui.engine import external
    from fleettui.engine.errors import AppInvalid
    from fleettui.engine.validate import parse_application, unknown_override_components

    try:
        return unknown_override_components(parse_application(
            external.inline(doc, found or {}) if isinstance(doc, dict) and found else doc))
    except AppInvalid:
        return []  # the hub refuses it with every problem named


async def _apply(args: argparse.Namespace) -> int:
    from fleettui.engine import external
    from fleettui.engine.errors import EngineError

    docs = _load_file(args.filename)
    for doc in docs:
        _namespace_from_flag(doc, args.namespace)
    try:  # before anything is stored or contacted
        docs, found = external.split(docs)
    except EngineError as exc:
        raise CliError(str(exc)) from exc
    for doc in docs:
        for warning in override_warnings(doc, found):
            print(f"fleettui: warning: {warning}", file=sys.stderr)
    async with open_hub(args) as hub:
        applied = []
        try:
            if hub.name == "local":
                # no standalone objects on the local hub: an application carries the ones it
                # names (its revision keeps them as they were, as KubeVela's does)
                docs = [external.inline(d, found) if isinstance(d, dict) else d for d in docs]
            else:
                for obj in found.values():
                    print(f"{await hub.apply_external(obj)} applied (hub {hub.name})")
        except EngineError as exc:
            raise CliError(str(exc)) from exc
        for doc in docs:
            try:
                res = await hub.apply(doc)
            except EngineError as exc:
                raise CliError(str(exc)) from exc
            print(f"application.core.oam.dev/{res.name} {res.action}" + (f" (hub {hub.name})" if hub.name != "local" else ""))
            for entry in res.plan:
                extra = f"  overrides: {'; '.join(entry.overrides)}" if entry.overrides else ""
                extra += f"  placement: {'; '.join(entry.placement)}" if entry.placement else ""
                print(f"  {entry.step} -> {entry.cluster}: {', '.join(entry.objects) or '(not placed)'}{extra}")
            applied.append(res)
        code = 0
        if not args.no_wait:
            for res in applied:
                code |= await follow(hub, res.namespace, res.name, verbose=bool(opt(args, "verbose")))
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
    print_steps(wf, verbose=bool(opt(args, "verbose")))
    print("\nResources:")
    emit("table", [{**r, "message": r["message"] if opt(args, "verbose") else summarize(r["message"] or "")}
                   for r in rows], STATUS_COLUMNS)
    print_placement(status)
    return 0


async def _rollback(args: argparse.Namespace) -> int:
    from fleettui.engine.errors import EngineError

    async with open_hub(args) as hub:
        try:
            print(await hub.rollback(args.namespace, args.name, args.revision))
        except EngineError as exc:
            raise CliError(str(exc)) from exc
        return 0 if args.no_wait else await follow(hub, args.namespace, args.name,
                                                  verbose=bool(opt(args, "verbose")))


async def _delete(args: argparse.Namespace) -> int:
    from fleettui.engine.errors import EngineError

    async with open_hub(args) as hub:
        try:
            print(await hub.delete(args.namespace, args.name))
        except EngineError as exc:
            raise CliError(str(exc)) from exc
        if args.no_wait or getattr(hub, "engine", None) is None:
            return 0
        await follow(hub, args.namespace, args.name, quiet=True)
        left = await hub.get(args.namespace, args.name)
        if left is None:
            print(f"application {args.namespace}/{args.name} deleted")
            return 0
        why = ((left.get("status") or {}).get("workflow") or {}).get("message") or "some objects could not be deleted"
        raise CliError(f"application {args.namespace}/{args.name} is not deleted yet: {why}. Everything else was "
                       "deleted; what is left is deleted by garbage collection when the cluster is reachable "
                       "again (by the dashboard or `fleettui controller`, or the next `app delete`); "
                       "until then the application is listed as deleting")


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
            text = str(exc)
            short = summarize(text) if isinstance(exc, errors.KubeError) else text
            raise CliError(short, detail=text if short != text else "") from exc

    return handler


NO_WAIT_HELP = "return at once; do not run the workflow in this process (a controller or a later command will)"


def add_target(p: argparse.ArgumentParser, *, name: bool = True) -> None:
    if name:
        p.add_argument("name", help="application name")
        p.add_argument("-n", "--namespace", default="default",
                       help="application namespace (default: %(default)s)")
    else:
        p.add_argument("-n", "--namespace", default=None,
                       help="namespace for documents that name none; must match those that do "
                       "(default: the file's, else default)")
    p.add_argument("--hub", metavar="CONTEXT", help="a Kubernetes hub context (default: the local hub)")


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    app = subparsers.add_parser("app", parents=parents, help="KubeVela applications across the fleet",
                                description="Declare, inspect and operate KubeVela Applications.")
    sub = app.add_subparsers(dest="app_command", metavar="COMMAND", required=True)

    p = sub.add_parser("apply", parents=parents, help="apply an Application file")
    p.add_argument("-f", "--filename", required=True, help="Application YAML file ('-' for stdin)")
    add_target(p, name=False)
    p.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)
    add_retry_option(p)
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
    p.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)
    add_retry_option(p)
    p.set_defaults(handler=run(_rollback))

    p = sub.add_parser("delete", parents=parents, help="delete the application and what it placed")
    add_target(p)
    p.add_argument("--no-wait", action="store_true",
                   help="return at once; what it placed is deleted by a controller or a later command")
    p.set_defaults(handler=run(_delete))
