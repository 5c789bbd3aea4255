"""`fleettui sim`: run the fleet simulator in the foreground (for the demo, tests, benchmarks)."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fleettui.cli.common import (
    CliError,
    non_negative_float,
    non_negative_int,
    opt,
    port,
    positive_float,
)

if TYPE_CHECKING:  # the simulator loads only when the command runs
    from fleettui.sim import Simulator
    from fleettui.sim.promstack import PromStack


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "sim",
        parents=parents,
        help="run the fleet simulator (a Kubernetes API for many clusters) in the foreground",
        description="Serve simulated clusters under http://HOST:PORT/clusters/<name> and write a "
        "kubeconfig with one context per cluster plus 'hub'. Prints 'ready <base-url> "
        "<kubeconfig-path>' once serving; stops on SIGINT/SIGTERM.",
    )
    p.add_argument("--clusters", type=non_negative_int, default=8, metavar="N", help="member clusters (default: 8)")
    p.add_argument("--port", type=port, default=0, help="TCP port (default: 0, a free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--seed", choices=("demo", "empty"), default="demo", help="initial content")
    p.add_argument("--profile", choices=("standard", "edge"), default="standard",
                   help="cluster size: standard (5 nodes, ~120 pods) or edge (1-2 nodes, ~15 pods, a few "
                   "regions, 5%% of the sites on links that drop now and then) (default: standard)")
    p.add_argument("--flaky-share", type=_share, default=None, metavar="SHARE",
                   help="share of members whose links flap (default: 0.05 with --profile edge, else 0)")
    p.add_argument("--clock-speed", type=positive_float, default=1.0,
                   help="virtual seconds per wall second (default: 1.0)")
    p.add_argument("--rng-seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--prometheus", action="store_true",
                   help="also run a real Prometheus per cluster and one Alertmanager (Debian packages "
                   "prometheus, prometheus-alertmanager); where they listen is written to "
                   "<kubeconfig>.prometheus.json, named as a 4th word of the ready line")
    p.add_argument("--scrape-interval", type=positive_float, default=5.0, metavar="S",
                   help="with --prometheus: scrape and rule evaluation interval in seconds (default: 5)")
    p.add_argument("--access", choices=("all", "hub-only"), default="all",
                   help="contexts in the kubeconfig: every member and the hub (default), or only the hub "
                   "(members reached through its Cluster Gateway, as from a jump host)")
    p.add_argument("--joining", type=non_negative_int, default=0, metavar="N",
                   help="members whose OCM agent has asked to join the hub and await acceptance "
                   "(`fleettui cluster accept joining-1`); they get no kubeconfig context")
    p.set_defaults(handler=run_sim)


def _share(text: str) -> float:
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"is a share between 0 and 1, got {text}")
    return value


def run_sim(args: argparse.Namespace) -> int:
    kubeconfig = opt(args, "kubeconfig")
    if not kubeconfig:
        raise CliError("sim needs --kubeconfig PATH (where to write the simulator's kubeconfig)", 2)
    if ":" in kubeconfig:
        raise CliError("sim writes one kubeconfig file: give a single path, not a list", 2)
    if args.prometheus:
        from fleettui.sim.promstack import missing_binaries

        if why := missing_binaries():
            raise CliError(f"--prometheus: {why}", 2)
    return asyncio.run(_serve(args, Path(kubeconfig).expanduser().resolve()))


async def _serve(args: argparse.Namespace, kubeconfig: Path) -> int:
    from fleettui.sim import Simulator

    sim = Simulator(clusters=args.clusters, seed=args.seed, clock_speed=args.clock_speed,
                    rng_seed=args.rng_seed, joining=args.joining, profile=args.profile,
                    flaky_share=args.flaky_share)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        base_url = await sim.start(host=args.host, port=args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    stack: PromStack | None = None
    try:
        sim.write_kubeconfig(kubeconfig, access=args.access)
        ready = f"ready {base_url} {kubeconfig}"
        if args.prometheus:
            stack, where = await _start_stack(sim, args, kubeconfig)
            ready += f" {where}"
        print(ready, flush=True)
        await stop.wait()
    finally:
        if stack is not None:
            await stack.stop()
        await sim.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("stopped", file=sys.stderr, flush=True)
    return 0


async def _start_stack(sim: Simulator, args: argparse.Namespace, kubeconfig: Path) -> tuple[PromStack, Path]:
    import json

    from fleettui.sim.promstack import PromStack, PromStackError

    stack = PromStack(sim, scrape_interval=args.scrape_interval)
    try:
        await stack.start()
    except PromStackError as exc:
        raise CliError(f"the Prometheus stack did not start: {exc}") from exc
    where = kubeconfig.with_name(kubeconfig.name + ".prometheus.json")
    where.write_text(json.dumps(stack.describe(), indent=2) + "\n")
    return stack, where
