"""The 1,000-cluster edge fleet, every figure of the issue side by side in one run.

One `fleettui sim --clusters N --profile edge` child (links steady while timing the
inventories: `--flaky-share 0`), then:

(a) first full inventory of every member through the hub's Cluster Gateway
    (a kubeconfig with only the hub), target <= 20 s;
(b) the same with every member's own context;
(c) `FleetSync.run()` (the dashboard's live sync, hub only) in a child process:
    time to the first full inventory, then CPU share and RSS over a steady window
    (targets <= 15 % of a core, <= 600 MiB);
(d) a canary application distributed to N clusters: deploy to one, the suspend
    gate, resume, deploy to the rest; seconds of fleettui time until every
    placement is applied (target <= 60 s; an in-process simulator of N empty
    clusters, so its CPU is counted too: a pessimistic figure);
(e) key-press latency with N rows (bench/tui_keys_1000.py in a child).

    .venv/bin/python -m bench.edge_fleet [--clusters 1000] [--steady 60] [--skip d,e]
        [--baseline /path/to/another/checkout]

`--baseline`: (a), (b) and (c) also run with another checkout's fleettui (e.g. the
main branch), each in its own child process against the same simulator, before
and after alternating: the product side's change, side by side in one run.

The machine is shared: the CPU seconds printed beside each wall time are the
figure to compare across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sync_full import full_sync, simulator
from bench.sync_gateway import hub_only_copy, sync_in_child


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def steady(kubeconfig: Path, cache: Path, seconds: float) -> dict:
    """(c) in this (child) process: the live sync of every member through the hub."""
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.store import Store
    from fleettui.sync import FleetSync
    from fleettui.sync.discovery import discover_members

    kc = load_kubeconfig(str(kubeconfig))
    members = await discover_members(kc, None, None, read_only=True, hub_context="hub")
    store = await Store.open(cache)
    fleet = FleetSync(store, list(members), kubeconfig=kc, read_only=True)
    t0 = time.monotonic()
    task = asyncio.create_task(fleet.run())
    try:
        while True:  # first inventory: every member listed once (Namespace rows are there)
            await asyncio.sleep(0.5)
            await store.writer.flush()
            counts = await store.object_counts()
            rows = await store.clusters()
            listed = sum(1 for r in rows if r.reachable)
            if listed >= len(members) and counts.get("Pod", 0) > 0 and all(
                    cs.kind_errors == {} for cs in fleet.clusters.values()):
                nsrows = len({n.cluster for n in await store.namespaces()})
                if nsrows >= len(members):
                    break
            if time.monotonic() - t0 > 300:
                break
        first = time.monotonic() - t0
        await asyncio.sleep(5)  # let the tail of the first pass drain
        cpu0, w0 = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu0
        wall = time.monotonic() - w0
        watched = sum(1 for cs in fleet.clusters.values() if cs.watching)
        return {"first_inventory_s": round(first, 1), "cpu_share": round(cpu / wall, 3),
                "rss_mib": round(rss_mib(), 0), "clusters": len(members), "watched": watched,
                "objects": sum((await store.object_counts()).values())}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await store.close()


async def canary(clusters: int) -> dict:
    """(d) a canary then the rest, on the local hub's engine."""
    from bench.engine_common import application, setup, teardown

    sim, hub, store = await setup(clusters, concurrency=64)
    try:
        doc = application("edge-agent", objects=3)
        first = sim.cluster_names[0]
        doc["spec"]["policies"] = [
            {"name": "canary", "type": "topology", "properties": {"clusters": [first]}},
            {"name": "fleet", "type": "topology", "properties": {"clusterLabelSelector": {}}}]
        doc["spec"]["workflow"] = {"steps": [
            {"name": "deploy-canary", "type": "deploy", "properties": {"policies": ["canary"]}},
            {"name": "gate", "type": "suspend", "properties": {"message": "check the canary"}},
            {"name": "deploy-fleet", "type": "deploy", "properties": {"policies": ["fleet"]}}]}
        # fleettui time: the engine's calls only; the simulated rollouts between passes
        # (the in-process simulator's clock and controllers) are not counted
        spent = 0.0
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        await hub.apply(doc)
        spent += time.perf_counter() - t0
        t_canary = None
        resumed = False
        passes = 0
        placed = 0
        result = None
        while passes < 60:
            passes += 1
            t0 = time.perf_counter()
            result = await hub.engine.reconcile("bench", "edge-agent")
            if result.phase == "workflowSuspending" and not resumed:
                t_canary = spent + time.perf_counter() - t0
                await hub.resume("bench", "edge-agent")
                resumed = True
            spent += time.perf_counter() - t0
            placed = sum(1 for p in await hub.records.placements("bench", "edge-agent", with_manifests=False)
                         if p.state == "applied")
            if resumed and placed == clusters:
                break
            await sim.advance(2, step=1)
        return {"seconds": round(spent, 1), "canary_s": round(t_canary or 0, 2), "placed": placed,
                "passes": passes, "phase": result.phase if result else None,
                "cpu_s": round(time.process_time() - cpu0, 1), "mutations": sim.mutations()}
    finally:
        await teardown(sim, hub, store)


def child(args: list[str], checkout: Path | None = None) -> dict:
    """Run this module (or `checkout`'s copy of it) in a child; its last JSON line."""
    checkout = checkout or Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=checkout,
                         env={**os.environ, "PYTHONPATH": str(checkout)})
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {"error": (out.stderr or out.stdout)[-800:]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--steady", type=float, default=60.0, help="seconds of steady state measured in (c)")
    ap.add_argument("--settle", type=float, default=20.0)
    ap.add_argument("--skip", default="", help="comma-separated figures to skip (a,b,c,d,e)")
    ap.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                    help="also run (a), (b), (c) with this checkout's fleettui, alternating")
    ap.add_argument("--steady-child", nargs=2, metavar=("KUBECONFIG", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.steady_child:
        print(json.dumps(asyncio.run(steady(Path(args.steady_child[0]), Path(args.steady_child[1]), args.steady))))
        return 0
    skip = set(filter(None, args.skip.split(",")))
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="fleettui-edge-") as tmp, \
            simulator(args.clusters, Path(tmp), settle=args.settle,
                      extra_args=("--profile", "edge", "--flaky-share", "0")) as (_, kubeconfig):
        hub_only = hub_only_copy(kubeconfig, Path(tmp) / "hub-only")
        here = Path(__file__).resolve().parent.parent
        for key, path in (("a", hub_only), ("b", kubeconfig)):
            if key in skip:
                continue
            if args.baseline is not None:
                secs, objects, failed, cpu = sync_in_child(args.baseline.resolve(), path,
                                                           Path(tmp) / f"{key}-before.db", 64)
                figures[f"{key} before"] = {"seconds": round(secs, 1), "cpu_s": round(cpu, 1),
                                            "objects": objects, "failed": failed}
                print(f"({key} before) {figures[f'{key} before']}", flush=True)
                secs, objects, failed, cpu = sync_in_child(here, path, Path(tmp) / f"{key}.db", 64)
            else:
                secs, objects, failed, cpu = asyncio.run(full_sync(path, Path(tmp) / f"{key}.db", concurrency=64))
            figures[key] = {"seconds": round(secs, 1), "cpu_s": round(cpu, 1), "objects": objects, "failed": failed}
            print(f"({key}) {figures[key]}", flush=True)
        if "c" not in skip:
            steady_args = ["-m", "bench.edge_fleet", "--steady", str(args.steady), "--steady-child", str(hub_only)]
            if args.baseline is not None:
                figures["c before"] = child([*steady_args, str(Path(tmp) / "c-before.db")], args.baseline.resolve())
                print(f"(c before) {figures['c before']}", flush=True)
            figures["c"] = child([*steady_args, str(Path(tmp) / "c.db")])
            print(f"(c) {figures['c']}", flush=True)
    if "d" not in skip:
        figures["d"] = asyncio.run(canary(args.clusters))
        print(f"(d) {figures['d']}", flush=True)
    if "e" not in skip:
        figures["e"] = child(["-m", "bench.tui_keys_1000", "--clusters", str(args.clusters), "--json"])
        print(f"(e) {figures['e']}", flush=True)
    a, b, c, d, e = (figures.get(k) or {} for k in "abcde")
    print(f"\nedge_fleet: {args.clusters} edge clusters, side by side")
    print(f"  (a) inventory through the gateway: {a.get('seconds')} s (fleettui CPU {a.get('cpu_s')} s) target <= 20 s")
    print(f"  (b) inventory direct:              {b.get('seconds')} s (fleettui CPU {b.get('cpu_s')} s)")
    if args.baseline is not None:
        ab, bb, cb = (figures.get(f"{k} before") or {} for k in "abc")
        print(f"      before ({args.baseline}): (a) {ab.get('seconds')} s (CPU {ab.get('cpu_s')} s), "
              f"(b) {bb.get('seconds')} s (CPU {bb.get('cpu_s')} s), (c) CPU {cb.get('cpu_share')} of a core, "
              f"RSS {cb.get('rss_mib')} MiB")
    print(f"  (c) steady state: CPU {c.get('cpu_share')} of a core (<= 0.15), RSS {c.get('rss_mib')} MiB (<= 600), "
          f"watched {c.get('watched')}/{c.get('clusters')}, first inventory {c.get('first_inventory_s')} s")
    print(f"  (d) canary then the rest: {d.get('seconds')} s ({d.get('placed')} placed) target <= 60 s")
    print(f"  (e) key press answered (press to the last frame that changed the screen): median "
          f"{e.get('answered_median_ms')} ms, p95 {e.get('answered_p95_ms')} ms, max {e.get('answered_max_ms')} ms "
          f"({e.get('answered_slowest_key')!r}) (<= 100); CPU per key p95 {e.get('cpu_p95_ms')} ms; "
          f"until Pilot sees the app idle p95 {e.get('p95_ms')} ms; warm first frame {e.get('first_frame_s')} s (<= 1)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
