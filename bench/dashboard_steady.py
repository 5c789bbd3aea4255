"""The whole dashboard's steady state with 1,000 live edge clusters: CPU and RSS of the
`fleettui` process as a user runs it, in a real terminal (tmux), through the hub only.

`bench.edge_fleet`'s (c) times the sync alone (`FleetSync.run()` in a child); this
one is the product as it runs on a jump host: the screen on the clusters pane,
refreshing as the sync writes, the sync thread, SQLite's threads, the collector.

One `fleettui sim --clusters N --profile edge --flaky-share 0 --access hub-only`
child; then `fleettui --kubeconfig <hub only> --hub hub` in a tmux pane (as
bench.tui_start starts it); `--settle` seconds after its first frame (the first
inventory), CPU per thread from /proc over `--window`
seconds, and the RSS at the end. Targets (issue 13 (c)): <= 15 % of a core,
<= 600 MiB.

    .venv/bin/python -m bench.dashboard_steady [--clusters 1000] [--settle 45] [--window 60]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.tui_start import SESSION, _rss_mib, _tmux, start_once

TICKS = os.sysconf("SC_CLK_TCK")


def _ticks(stat: Path) -> int:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _threads(pid: int) -> dict[int, int]:
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = _ticks(task / "stat")
        except OSError:
            pass
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=1000)
    ap.add_argument("--settle", type=float, default=45.0, help="seconds for the first inventory")
    ap.add_argument("--window", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        print("dashboard_steady: needs tmux", file=sys.stderr)
        return 2
    fleettui = str(Path(sys.executable).with_name("fleettui"))
    with tempfile.TemporaryDirectory(prefix="fleettui-steady-") as tmp:
        kc = Path(tmp) / "kc.yaml"
        sim = subprocess.Popen([fleettui, "sim", "--clusters", str(args.clusters), "--profile", "edge",
                                "--flaky-share", "0", "--access", "hub-only", "--kubeconfig", str(kc)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert sim.stdout is not None
            ready = sim.stdout.readline()
            if not ready.startswith("ready"):
                print(f"dashboard_steady: the simulator did not start: {ready!r}", file=sys.stderr)
                return 1
            # an empty cache: the first frame is the fleet the hub lists, then the inventory
            _, pid = start_once([fleettui, "--kubeconfig", str(kc), "--cache", f"{tmp}/cache.db", "--hub", "hub"],
                                args.clusters, limit=60.0, row_marks=("edge-",))
            time.sleep(args.settle)
            before, t0 = _threads(pid), time.monotonic()
            total0 = _ticks(Path(f"/proc/{pid}/stat"))
            time.sleep(args.window)
            after, wall = _threads(pid), time.monotonic() - t0
            total = (_ticks(Path(f"/proc/{pid}/stat")) - total0) / TICKS / wall
            rss = _rss_mib(pid) or 0.0
            screen = _tmux("capture-pane", "-p", "-t", SESSION)
        finally:
            _tmux("kill-session", "-t", SESSION)
            sim.terminate()
            sim.wait(timeout=30)
    per = sorted(((tid == pid, (n - before.get(tid, 0)) / TICKS / wall, tid) for tid, n in after.items()),
                 key=lambda t: -t[1])
    threads = {("main (UI)" if main_thread else f"thread {tid}"): round(share, 3)
               for main_thread, share, tid in per if share > 0.002}
    result = {"clusters": args.clusters, "cpu_share": round(total, 3), "rss_mib": round(rss),
              "threads": threads, "window_s": round(wall), "first_line": screen.splitlines()[0] if screen else ""}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"dashboard_steady: {args.clusters} live edge clusters through the hub, the clusters pane on "
              f"screen: CPU {result['cpu_share']:.1%} of a core (<= 15 %), RSS {result['rss_mib']} MiB (<= 600) "
              f"over {result['window_s']} s\n  per thread: {threads}\n  header: {result['first_line']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
