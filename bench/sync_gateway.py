"""Full sync of N clusters through the hub's Cluster Gateway vs directly, in one run.

One `fleettui sim` child; the same fleet synced into fresh caches alternately
(a) with a kubeconfig that has only the hub (every member through the gateway's
proxy) and (b) with every member's own context. Prints both medians side by side.

    .venv/bin/python -m bench.sync_gateway [--clusters 100] [--repeat 3]

On the simulator the proxy is in-process (no second TCP hop), so (a) - (b) is
fleettui's own cost of the gateway path (one connection pool per member to the
same hub host, longer URLs) plus the hub's routing; a real gateway adds its own
hop on top.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path

from bench.sync_full import full_sync, simulator


def hub_only_copy(kubeconfig: Path, dest: Path) -> Path:
    doc = json.loads(kubeconfig.read_text())
    doc["contexts"] = [c for c in doc["contexts"] if c["name"] == "hub"]
    doc["current-context"] = "hub"
    dest.write_text(json.dumps(doc))
    dest.chmod(0o600)
    return dest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs: dict[str, list[tuple[float, int, int, float]]] = {"gateway": [], "direct": []}
    with tempfile.TemporaryDirectory(prefix="fleettui-bench-") as tmp, \
            simulator(args.clusters, Path(tmp), settle=args.settle) as (_, kubeconfig):
        paths = {"gateway": hub_only_copy(kubeconfig, Path(tmp) / "hub-only"), "direct": kubeconfig}
        for i in range(args.repeat):
            for path_name in ("gateway", "direct"):  # alternate: the machine is shared and drifts
                r = asyncio.run(full_sync(paths[path_name], Path(tmp) / f"{path_name}-{i}.db",
                                          concurrency=args.concurrency))
                runs[path_name].append(r)
                print(f"  {path_name} run {i + 1}: {r[1]} objects in {r[0]:.2f}s "
                      f"(fleettui CPU {r[3]:.2f}s, failed {r[2]})", flush=True)
    failed = 0
    line = [f"sync_gateway: {args.clusters} clusters"]
    for path_name, rs in runs.items():
        secs = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[3] for r in rs)
        failed += max(r[2] for r in rs)
        line.append(f"{path_name}: median {secs:.2f}s, {rs[0][1]} objects, fleettui CPU {cpu:.2f}s")
    print("; ".join(line) + f"; failed clusters: {failed}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
