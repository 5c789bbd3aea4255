"""`fleettui fit`: which clusters have room for an application (or a pod shape given by
hand) now, ranked, with the reason for each — from the cache's nodes (allocatable −
requested, labels, taints), no network."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from fleettui.cli.commands.metrics import add_output, emit_records, open_store
from fleettui.cli.common import CliError, positive_int

COLUMNS = [("cluster", "cluster"), ("fits", "fits"), ("room", "room"), ("nodes", "nodes"),
           ("cpu free (m)", "cpu_free_m"), ("mem free (B)", "mem_free_b"), ("reason", "reason")]


def shapes(args: argparse.Namespace) -> list[Any]:
    from fleettui.config.quantity import cpu_millis, memory_bytes, parse_quantity
    from fleettui.metrics.fit import PodShape, shapes_from_objects

    if args.file:
        import yaml

        try:
            with open(args.file, encoding="utf-8") as fh:
                docs = [d for d in yaml.safe_load_all(fh) if d]
        except OSError as exc:
            raise CliError(f"{args.file}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise CliError(f"{args.file}: not valid YAML: {exc}") from exc
        found = shapes_from_objects(docs)
        if not found:
            raise CliError(f"{args.file}: no Pod, Deployment, StatefulSet or Application with pods in it")
        if args.replicas:
            found = [PodShape(s.cpu_m, s.mem_b, args.replicas, s.node_selector, s.tolerations, s.name)
                     for s in found]
        return found
    if not args.cpu and not args.memory:
        raise CliError("give -f APP.yaml, or --cpu and/or --memory (with --replicas)")
    for flag, value in (("--cpu", args.cpu), ("--memory", args.memory)):
        q = parse_quantity(value) if value is not None else 0
        if q is None or q < 0:
            raise CliError(f"{flag} {value!r} is not a Kubernetes quantity (e.g. 500m, 2, 1Gi, 512Mi)")
    cpu, mem = cpu_millis(args.cpu), memory_bytes(args.memory)
    return [PodShape(cpu, mem, args.replicas or 1, name="by hand")]


async def _run(args: argparse.Namespace) -> int:
    from fleettui.metrics.fit import rank
    from fleettui.metrics.inventory import read_nodes

    pods = shapes(args)
    store = await open_store(args, read_only=True)
    try:
        fleet = await read_nodes(store)
    finally:
        await store.close()
    if not fleet:
        raise CliError("no clusters in the cache; run `fleettui sync --once` first")
    fits = rank(pods, fleet)
    emit_records(args.output, [f.record() for f in fits], COLUMNS, kind="FitList")
    return 0 if any(f.fits for f in fits) else 1


def run_fit(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("fit", parents=parents, help="which clusters have room for an app now",
                              description=__doc__)
    p.add_argument("-f", "--file", help="an Application or workload file")
    p.add_argument("--cpu", help="CPU request per replica (e.g. 500m)")
    p.add_argument("--memory", help="memory request per replica (e.g. 1Gi)")
    p.add_argument("--replicas", type=positive_int, help="replicas (default: as the file says, or 1)")
    add_output(p)
    p.set_defaults(handler=run_fit)
