"""The whole dashboard's steady state with 1,000 live edge clusters: CPU and RSS of the
`fleettui` process as a user runs it, in a real terminal (tmux), through the hub only.

`bench.edge_fleet`'s (c) times the sync alone (`FleetSync.run()` in a child); this
one is the product as it runs on a jump host: the screen on the clusters pane,
refreshing as the sync writes, the sync thread, SQLite's threads, the collector.

One `fleettui sim --clusters N --profile edge --flaky-share 0 --access hub-only`
child; then `fleettui --kubeconfig <hub only> --hub hub` in a tmux session; after
`--settle` seconds (the first inventory), CPU per thread from /proc over `--window`
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

HERE = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def _ticks(stat: Path) -> int:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _threads(pid: int) -> dict[int, tuple[str, int]]:
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = ((task / "comm").read_text().strip(), _ticks(task / "stat"))
        except OSError:
            pass
    return out


def _dashboard_pid(session: str) -> int | None:
    pane = subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"], capture_output=True,
                          text=True).stdout.split()
    if not pane:
        return None
    # the pane's shell may have exec'd the dashboard, or run it as its child
    for pid in (pane[0], *subprocess.run(["pgrep", "-P", pane[0]], capture_output=True, text=True).stdout.split()):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if any(a.endswith(b"/fleettui") for a in argv) and b"sim" not in argv and b"-c" not in argv:
            return int(pid)
    return None


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
    fleettui = str(Path(sys.executable).parent / "fleettui")
    session = f"steady-{os.getpid()}"
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
            cmd = f"FLEETTUI_CACHE={tmp}/cache.db {fleettui} --kubeconfig {kc} --hub hub"
            subprocess.run(["tmux", "new", "-d", "-s", session, "-x", "160", "-y", "48", cmd], check=True,
                           cwd=HERE)
            time.sleep(args.settle)
            pid = _dashboard_pid(session)
            if pid is None:
                print("dashboard_steady: the dashboard is not running", file=sys.stderr)
                return 1
            before, t0 = _threads(pid), time.monotonic()
            total0 = _ticks(Path(f"/proc/{pid}/stat"))
            time.sleep(args.window)
            after, wall = _threads(pid), time.monotonic() - t0
            total = (_ticks(Path(f"/proc/{pid}/stat")) - total0) / TICKS / wall
            rss = int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                           if line.startswith("VmRSS")).split()[1]) / 1024
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True,
                                    text=True).stdout
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
            sim.terminate()
            sim.wait(timeout=30)
    per = sorted(((tid == pid, (n - before.get(tid, (name, 0))[1]) / TICKS / wall, name, tid)
                  for tid, (name, n) in after.items()), key=lambda t: -t[1])
    threads = {("main (UI)" if main_thread else f"thread {tid}"): round(share, 3)
               for main_thread, share, name, tid in per if share > 0.002}
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
