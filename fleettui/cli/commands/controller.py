"""`fleettui controller [--hub CONTEXT]`: run the application engine headless.

With `--hub`, as the controller of the Application CRs on that Kubernetes hub
(status written through the status subresource); without, for the local hub
(applications in the cache), continuing whatever workflows are pending.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from fleettui.cli.commands.app import _members, add_retry_option, open_hub, run
from fleettui.cli.common import CliError, cache_path_arg, opt, positive_float
from fleettui.config import mode


async def _local(args: argparse.Namespace) -> int:
    async with open_hub(args) as hub:
        if hub.read_only:
            mode.require_writable("run the controller, which changes clusters")
            raise CliError("the controller changes clusters; it cannot run on a read-only hub")
        print("fleettui: running the local hub's applications; Ctrl-C to stop", file=sys.stderr)
        if args.once:
            await hub.engine.run_pending()
            await hub.engine.keep_state()
            return 0
        await hub.engine.run(poll=args.poll, keep_state_every=args.keep_state_every)
    return 0


async def _kube(args: argparse.Namespace) -> int:
    from fleettui.config.paths import cache_path
    from fleettui.engine.controller import Controller
    from fleettui.engine.fleet import Fleet
    from fleettui.engine.hub_kube import KubeHub
    from fleettui.kube import ClusterClient
    from fleettui.store import Store
    from fleettui.store.apps import AppStore

    mode.require_writable("run the controller, which changes clusters")
    from fleettui.cli.commands.app import _kubeconfig, prometheus_urls

    kubeconfig = _kubeconfig(args)
    if not kubeconfig.has_context(args.hub):
        raise CliError(f"hub context {args.hub!r} is not in the kubeconfig")
    members = [m for m in await _members(args, kubeconfig, False) if m[1] != args.hub]
    hub = KubeHub(ClusterClient.from_kubeconfig(kubeconfig, context=args.hub))
    fleet = Fleet.from_members(kubeconfig, members, prometheus=prometheus_urls(args))
    store = await Store.open(cache_path(cache_path_arg(args)))
    try:
        ctl = Controller(hub, AppStore(store, hub=args.hub), fleet)
        await hub.res()
        print(f"fleettui: controller for the Applications on hub {args.hub} ({len(members)} member clusters); "
              "Ctrl-C to stop", file=sys.stderr)
        if args.once:
            await ctl.reconcile_all()
            return 0
        await ctl.run(poll=args.poll, keep_state_every=args.keep_state_every)
        return 0
    finally:
        await fleet.close()
        await hub.close()
        await store.close()


async def _controller(args: argparse.Namespace) -> int:
    # a daemon: timestamped INFO lines replace the one-line warnings main() set up
    logging.basicConfig(level=logging.DEBUG if opt(args, "verbose") else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s", force=True)
    try:
        return await (_kube(args) if args.hub else _local(args))
    except asyncio.CancelledError:
        return 0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("controller", parents=parents, help="run the application engine headless",
                              description="Run workflows, keep state and repair drift, until stopped.")
    p.add_argument("--hub", metavar="CONTEXT", help="control the Application CRs on this hub context")
    p.add_argument("--once", action="store_true", help="one pass over every application, then exit")
    add_retry_option(p)
    p.add_argument("--poll", type=positive_float, default=2.0, help="seconds between passes (default: %(default)s)")
    p.add_argument("--keep-state-every", type=positive_float, default=60.0,
                   help="seconds between drift checks (default: %(default)s)")
    p.set_defaults(handler=run(_controller))
