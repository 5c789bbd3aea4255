"""Full sync of N clusters through the hub's Cluster Gateway vs directly, in one run.

One `fleettui sim` child; the same fleet synced into fresh caches alternately
(a) with a kubeconfig that has only the hub (every member through the gateway's
proxy) and (b) with every member's own context. Prints both medians side by side.

    .venv/bin/python -m bench.sync_gateway [--clusters 100] [--repeat 3] [--edge]
        [--baseline /path/to/another/checkout]

`--edge`: the 1,000-site edge profile of issue 13 (`--profile edge --flaky-share 0`).
`--baseline`: also run another checkout's sync (e.g. the main branch) against the
same simulator, each sync in its own child process, alternating with this
checkout's: before and after side by side in one run, which is the only fair
comparison on a shared machine. The simulator is always this checkout's, so a
difference between the two is the product side's (fleettui's) alone.

Each line prints fleettui's CPU seconds (the syncing process, its SQLite thread
included) and the simulator's during that sync: the machine is shared and wall
times drift with its load, the CPU seconds much less.

On the simulator the proxy is in-process (no second TCP hop), so (a) - (b) is
fleettui's own cost of the gateway path (longer URLs, the hub's shared
connection pool) plus the hub's routing; a real gateway adds its own hop on top.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import sync_full
from bench.sync_full import full_sync, simulator

# run in a child with PYTHONPATH set to a checkout: that checkout's fleettui syncs
_CHILD = """
import asyncio, json, sys
from pathlib import Path
import fleettui
from bench.sync_full import full_sync
r = asyncio.run(full_sync(Path(sys.argv[1]), Path(sys.argv[2]), concurrency=int(sys.argv[3])))
print(json.dumps({"result": r, "fleettui": fleettui.__file__}))
"""


def hub_only_copy(kubeconfig: Path, dest: Path) -> Path:
    doc = json.loads(kubeconfig.read_text())
    doc["contexts"] = [c for c in doc["contexts"] if c["name"] == "hub"]
    doc["current-context"] = "hub"
    dest.write_text(json.dumps(doc))
    dest.chmod(0o600)
    return dest


def sync_in_child(checkout: Path, kubeconfig: Path, cache: Path, concurrency: int) -> tuple[float, int, int, float]:
    """One full sync by `checkout`'s code in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(kubeconfig), str(cache), str(concurrency)],
                         capture_output=True, text=True, env=env, cwd=checkout, check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            doc = json.loads(line)
            if not doc["fleettui"].startswith(str(checkout.resolve())):
                raise SystemExit(f"the child imported {doc['fleettui']}, not {checkout}'s fleettui")
            return tuple(doc["result"])  # type: ignore[return-value]
    raise SystemExit(f"sync child failed: {(out.stderr or out.stdout)[-1500:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--edge", action="store_true", help="the edge seed profile, links steady")
    ap.add_argument("--baseline", type=Path, metavar="CHECKOUT",
                    help="another checkout whose sync runs against the same simulator")
    args = ap.parse_args()
    here = Path(__file__).resolve().parent.parent
    codes = {"": None} if args.baseline is None else {"before ": args.baseline.resolve(), "after ": here}
    extra = ("--profile", "edge", "--flaky-share", "0") if args.edge else ()
    runs: dict[str, list[tuple[float, int, int, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="fleettui-bench-") as tmp, \
            simulator(args.clusters, Path(tmp), settle=args.settle, extra_args=extra) as (_, kubeconfig):
        paths = {"gateway": hub_only_copy(kubeconfig, Path(tmp) / "hub-only"), "direct": kubeconfig}
        for i in range(args.repeat):
            # alternate every variant within each round: the machine is shared and drifts
            for code, checkout in codes.items():
                for path_name in ("gateway", "direct"):
                    label = f"{code}{path_name}"
                    cache = Path(tmp) / f"{label.replace(' ', '-')}-{i}.db"
                    sim0 = sync_full.sim_cpu_seconds() or 0.0
                    if checkout is None:
                        r = asyncio.run(full_sync(paths[path_name], cache, concurrency=args.concurrency))
                    else:
                        r = sync_in_child(checkout, paths[path_name], cache, args.concurrency)
                    sim = (sync_full.sim_cpu_seconds() or 0.0) - sim0
                    runs.setdefault(label, []).append((*r, sim))
                    print(f"  {label} run {i + 1}: {r[1]} objects in {r[0]:.2f}s "
                          f"(fleettui CPU {r[3]:.2f}s, simulator CPU {sim:.2f}s, failed {r[2]})", flush=True)
    failed = 0
    line = [f"sync_gateway: {args.clusters} clusters{' (edge)' if args.edge else ''}"]
    for label, rs in runs.items():
        secs = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[3] for r in rs)
        sim = statistics.median(r[4] for r in rs)
        failed += max(r[2] for r in rs)
        line.append(f"{label}: median {secs:.2f}s, {rs[0][1]} objects, fleettui CPU {cpu:.2f}s, "
                    f"simulator CPU {sim:.2f}s")
    print(";\n  ".join(line) + f";\n  failed clusters: {failed}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
