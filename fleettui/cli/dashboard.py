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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fleettui.cli.common import CliError, cache_path_arg, opt


def _short(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home):] if path.startswith(home + os.sep) else path


def _kubeconfig_label(arg: str | None) -> str:
    from fleettui.config.paths import default_kubeconfig_paths

    paths = [p for p in arg.split(os.pathsep) if p] if arg else default_kubeconfig_paths()
    return ":".join(_short(p) for p in paths)


def _import_sync() -> None:
    import fleettui.sync  # noqa: F401
    import fleettui.sync.members  # noqa: F401


def make_sync_runner(kubeconfig: Any, fleet: Any, globs: list[str] | None, *, hub: str | None,
                     read_only: bool) -> Callable[..., Any]:
    """The coroutine the app runs in its sync worker: discover members, then keep the
    store current until the app exits."""

    async def run_sync(store: Any, notice: Callable[[str], None]) -> None:
        # importing the sync (kubernetes_asyncio, aiohttp) takes a while: do it off
        # the event loop the screen shares, so the UI stays responsive meanwhile
        await asyncio.to_thread(_import_sync)
        from fleettui.sync import FleetSync
        from fleettui.sync.members import discover_members

        members = await discover_members(kubeconfig, fleet, globs, read_only=read_only,
                                         hub_context=hub)
        for problem in members.errors:
            notice(problem)
        # the sync only lists and watches; its clients are read-only in every mode
        await FleetSync(store, list(members), kubeconfig=kubeconfig, read_only=True,
                        prune=not globs).run()

    return run_sync


def build_app(args: argparse.Namespace, *, clock: Callable[[], float] | None = None,
              kubeconfig_label: str | None = None) -> Any:
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.config.paths import cache_path, fleet_file_path
    from fleettui.tui.app import FleetApp

    label = kubeconfig_label
    watch = bool(getattr(args, "watch", False))
    read_only = bool(opt(args, "read_only", False)) or watch
    kube_arg = opt(args, "kubeconfig")
    try:
        kubeconfig = load_kubeconfig(kube_arg)
        fleet_arg = opt(args, "fleet")
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    hub = opt(args, "hub") or fleet.hub
    globs = opt(args, "context")
    run_sync = None
    if kubeconfig.contexts:
        run_sync = make_sync_runner(kubeconfig, fleet, globs, hub=hub, read_only=read_only)
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
        **kwargs,
    )


def run_dashboard(args: argparse.Namespace) -> int:
    app = build_app(args)
    app.run()
    return int(app.return_code or 0)
