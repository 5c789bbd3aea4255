"""`fleettui` without a subcommand: the dashboard.

Local files (kubeconfig, fleet file) are read here, before the screen opens, so
a mistake in them is a clear error on the terminal. Everything that talks to a
cluster (reading the hub for members, the sync) runs inside the app, in a
worker: the first frame shows the cache and never waits on the network.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fleettui.cli.common import CliError, cache_path_arg, opt
from fleettui.config import mode

# the dashboard's own metrics pull (docs/metrics.md): often enough that the USED columns
# and sparklines move while one watches, each Prometheus given a few seconds at most
METRICS_INTERVAL = 30.0
# a fleet file naming no Prometheus: the pull only copies requests and allocatable, which
# the inventory already shows; every few minutes keeps the cost view's series going
# without re-reading a large fleet's inventory twice a minute
METRICS_INTERVAL_REQUESTS_ONLY = 300.0
METRICS_STEP = 60.0
METRICS_TIMEOUT = 5.0


def metrics_interval(fleet: Any) -> float:
    clusters = getattr(fleet, "clusters", None) or {}
    if any(getattr(c, "prometheus", None) for c in clusters.values()):
        return METRICS_INTERVAL
    return METRICS_INTERVAL_REQUESTS_ONLY


def _short(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def _kubeconfig_label(arg: str | None) -> str:
    from fleettui.config.paths import default_kubeconfig_paths

    paths = [p for p in arg.split(os.pathsep) if p] if arg else default_kubeconfig_paths()
    return ":".join(_short(p) for p in paths)


def _import_sync() -> None:
    import fleettui.alerts.sync  # noqa: F401
    import fleettui.metrics.refresh  # noqa: F401
    import fleettui.sync  # noqa: F401
    import fleettui.sync.discovery  # noqa: F401


def _hub_args(args: argparse.Namespace, hub: str) -> argparse.Namespace:
    """The arguments `fleettui app` would get for this hub ('local': the store's own)."""
    ns = argparse.Namespace(**vars(args))
    ns.hub = None if hub == "local" else hub
    return ns


def make_hub_session(args: argparse.Namespace) -> Callable[[str], Any]:
    """hub_session(name): the Hub the actions of the rollouts pane go through, opened
    the way `fleettui app` opens it (local hub with the engine, or a Kubernetes hub)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def hub_session(name: str):
        from fleettui.cli.commands.app import open_hub

        async with open_hub(_hub_args(args, name)) as hub:
            yield hub

    return hub_session


def make_cluster_clients(args: argparse.Namespace) -> Callable[[dict[str, str | None]], Any]:
    """cluster_clients({cluster: context}): the clients the services pane's export, unexport
    and import write through, made as `fleettui service` makes them (the kube layer's guard
    refuses them in read-only mode; the dashboard offers none then)."""

    def open_clients(contexts: dict[str, str | None]) -> Any:
        from fleettui.cli.commands.services import cluster_clients
        from fleettui.config.kubeconfig import load_kubeconfig

        return cluster_clients(load_kubeconfig(opt(args, "kubeconfig")), contexts,
                               read_only=mode.current().read_only)

    return open_clients


def make_hub_client(args: argparse.Namespace) -> Callable[[], Any]:
    """hub_client(): the hub's client for the clusters pane's membership actions and the
    registration screen, made as `fleettui cluster accept` makes it (read-only in a
    read-only process: the screen still reads the hub, the guard refuses any write)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def hub_client():
        from fleettui.cli.commands.cluster_hub import hub_client as make

        ns = argparse.Namespace(**vars(args))
        ns.read_only = mode.current().read_only or bool(opt(args, "read_only", False)) or \
            bool(opt(args, "watch", False))
        client = make(ns)
        try:
            yield client
        finally:
            await client.close()

    return hub_client


def make_sync_runner(kubeconfig: Any, fleet: Any, globs: list[str] | None, *, hub: str | None,
                     read_only: bool, args: argparse.Namespace | None = None) -> Callable[..., Any]:
    """The coroutine the app runs on its sync thread: discover members, then keep the
    store current until the app exits; unless read-only, also run the local hub's
    engine, so a rollout resumed from the screen carries on (as `fleettui app` would)."""

    async def run_engine(notice: Callable[[str], None]) -> None:
        from fleettui.cli.commands.app import open_hub

        assert args is not None  # the engine runs only with the command's arguments (below)
        try:
            async with open_hub(_hub_args(args, "local")) as local:
                await local.engine.run(poll=2.0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the inventory keeps syncing; say why rollouts stopped
            notice(f"the local hub's engine stopped: {exc}")

    async def run_sync(store: Any, notice: Callable[[str], None]) -> None:
        # importing the sync (kubernetes_asyncio, aiohttp) takes a while: do it off
        # the event loop the screen shares, so the UI stays responsive meanwhile
        await asyncio.to_thread(_import_sync)
        from fleettui.alerts.sync import AlertRefresher
        from fleettui.config.errors import ConfigError
        from fleettui.config.paths import fleet_file_path
        from fleettui.metrics.refresh import MetricsRefresher, fleet_clusters
        from fleettui.sync import FleetSync
        from fleettui.sync.discovery import discover_members
        from fleettui.sync.rediscovery import reloading_discovery

        try:
            members = await discover_members(kubeconfig, fleet, globs, read_only=read_only,
                                             hub_context=hub)
        except ConfigError as exc:  # e.g. a --context glob that matches nothing
            notice(f"no sync: {exc}")
            return
        for problem in members.errors:
            notice(problem)
        # clusters added or removed while the dashboard runs (`fleettui cluster add`,
        # a kubeconfig edit, a new ManagedCluster on the hub) are picked up
        discover = None
        if args is not None:
            discover = reloading_discovery(opt(args, "kubeconfig"), fleet_file_path(opt(args, "fleet")),
                                           globs, hub=hub)
        # the sync only lists and watches; its clients are read-only in every mode
        sync = FleetSync(store, list(members), kubeconfig=kubeconfig, read_only=True,
                         prune=not globs, discover=discover).run()
        # alert state is observed state like the inventory: refreshed in watch mode too
        tasks = [sync]
        alerts = AlertRefresher.for_fleet(store, fleet)
        if alerts is not None:
            tasks.append(alerts.run())
        # usage is observed state too (reads only): pulled in watch mode as well
        metrics = MetricsRefresher(store, [], step=METRICS_STEP, timeout=METRICS_TIMEOUT)
        tasks.append(metrics.run(metrics_interval(fleet), members=lambda: fleet_clusters(store, fleet),
                                 on_error=notice))
        if not read_only and args is not None:
            tasks.append(run_engine(notice))
        try:
            await asyncio.gather(*tasks)
        finally:
            metrics.close()
            if alerts is not None:
                alerts.close()

    return run_sync


def build_app(args: argparse.Namespace, *, clock: Callable[[], float] | None = None,
              kubeconfig_label: str | None = None) -> Any:
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.config.paths import cache_path, fleet_file_path
    from fleettui.tui.app import FleetApp

    label = kubeconfig_label
    watch = bool(opt(args, "watch", False))
    # main() has made the whole process read-only already; the flags are read too for
    # callers that build the app without it (tests, screenshots)
    read_only = mode.current().read_only or bool(opt(args, "read_only", False)) or watch
    kube_arg = opt(args, "kubeconfig")
    try:
        kubeconfig = load_kubeconfig(kube_arg)
        fleet_arg = opt(args, "fleet")
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    theme = opt(args, "theme")
    if theme:
        from fleettui.tui.themes import theme_names

        known = theme_names()
        if theme not in known:  # refused before the screen opens, not a silent fallback
            raise CliError(f"unknown theme {theme!r}; themes: {', '.join(known)}")
    from fleettui.config.hub import resolve_hub

    hub = resolve_hub(kubeconfig, fleet, opt(args, "hub"))
    globs = opt(args, "context")
    run_sync = None
    if kubeconfig.contexts:
        run_sync = make_sync_runner(kubeconfig, fleet, globs, hub=hub, read_only=read_only,
                                    args=args)
    kwargs: dict[str, Any] = {}
    if clock is not None:
        kwargs["clock"] = clock
    return FleetApp(
        store_path=cache_path(cache_path_arg(args)),
        run_sync=run_sync,
        read_only=read_only,
        watch=watch,
        kubeconfig=label or _kubeconfig_label(kube_arg),
        hub=hub,
        theme=opt(args, "theme"),
        hub_session=None if read_only else make_hub_session(args),
        pane_options={"fleet": fleet, "rule_status": _rule_status(args), "rule_deployed": _rule_deployed(args)},
        cluster_clients=None if read_only else make_cluster_clients(args),
        hub_client=make_hub_client(args) if hub else None,
        **kwargs,
    )


def _rule_status(args: argparse.Namespace) -> Callable[[], Awaitable[list[Any]]]:
    """The alerts pane's consistency matrix: `rules status --all`'s cells (the hub's rule sets)."""

    async def gather() -> list[Any]:
        from fleettui.cli.commands.rules import gather_status

        return await gather_status(args)

    return gather


def _rule_deployed(args: argparse.Namespace) -> Callable[[Any, Any], Awaitable[dict[str, Any]]]:
    """The rule editor's plan: what each cluster holds now of the rule set (read-only reads)."""

    async def deployed(ruleset: Any, variants: Any) -> dict[str, Any]:
        from fleettui.cli.commands.rules import _deployed, _targets

        kubeconfig, targets = await _targets(args)
        return await _deployed(kubeconfig, targets, ruleset, list(variants))

    return deployed


def run_dashboard(args: argparse.Namespace) -> int:
    app = build_app(args)
    app.run()
    return int(app.return_code or 0)
