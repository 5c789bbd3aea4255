"""TUI benchmarks (issue 3, item 9): (b) warm start to the first painted frame with a
100-cluster cache, target <= 1.0 s; (c) steady-state RSS of the TUI, target <= 400 MiB.

Real command, real terminal: a `fleettui sim --clusters N` child, one full sync
into a cache (bench.sync_full), then `fleettui --kubeconfig K --cache C --hub hub`
is started in a tmux pane of 160x48 and the pane is polled until the clusters
pane shows the cached fleet ("N clusters" and a cluster row). The time counted
runs from spawning the process (so Python start-up and imports are included)
to that frame. The simulator stays up, so the app's own sync of all N clusters
runs meanwhile, as it would for a user; the RSS of the dashboard process is then
sampled each second for `--steady` seconds while the sync keeps the store live.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sync_full import full_sync, simulator

TARGET_START = 1.0
TARGET_RSS_MIB = 400.0
SESSION = "fleettui-bench-tui"


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start_once(cmd: list[str], clusters: int, *, limit: float = 30.0,
               row_marks: tuple[str, ...] = ("member-", "ack-")) -> tuple[float, int]:
    """Seconds from spawn to the first frame showing the cached fleet (its count and a
    row whose name has one of `row_marks`); the pane's pid (the dashboard itself: tmux
    runs the command without a shell)."""
    _tmux("kill-session", "-t", SESSION)
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48",
                    *cmd], check=True)
    want = f"{clusters} clusters"
    while time.perf_counter() - t0 < limit:
        screen = _tmux("capture-pane", "-p", "-t", SESSION)
        if want in screen and any(mark in screen for mark in row_marks):
            elapsed = time.perf_counter() - t0
            pid = int(_tmux("display-message", "-p", "-t", SESSION, "#{pane_pid}").strip() or 0)
            return elapsed, pid
        time.sleep(0.005)
    screen = _tmux("capture-pane", "-p", "-t", SESSION)
    _tmux("kill-session", "-t", SESSION)
    raise SystemExit(f"the dashboard did not show the cache within {limit:.0f}s:\n{screen}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3, help="warm starts to time (default: 3)")
    ap.add_argument("--steady", type=float, default=30.0, help="seconds of RSS sampling (default: 30)")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds to let the simulator settle")
    args = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tui_start needs tmux (make system-deps)")
    fleettui = str(Path(sys.executable).with_name("fleettui"))
    with tempfile.TemporaryDirectory(prefix="fleettui-bench-") as tmp, \
            simulator(args.clusters, Path(tmp), settle=args.settle) as (_, kubeconfig):
        cache = Path(tmp) / "cache.db"
        # (seconds, objects, failed clusters, ...): bench.sync_full owns the shape
        seconds, objects, failed = asyncio.run(full_sync(kubeconfig, cache, concurrency=32))[:3]
        print(f"cache: {args.clusters} clusters, {objects} objects synced in {seconds:.1f}s "
              f"({failed} failed)", flush=True)
        cmd = [fleettui, "--kubeconfig", str(kubeconfig), "--cache", str(cache), "--hub", "hub"]
        starts = []
        pid = 0
        try:
            for i in range(args.runs):
                elapsed, pid = start_once(cmd, args.clusters)
                starts.append(elapsed)
                print(f"  warm start {i + 1}: first frame with the cached fleet after {elapsed:.3f}s",
                      flush=True)
                if i < args.runs - 1:
                    _tmux("kill-session", "-t", SESSION)
                    time.sleep(0.5)
            samples = []
            t_end = time.monotonic() + args.steady
            while time.monotonic() < t_end:
                rss = _rss_mib(pid)
                if rss is None:
                    raise SystemExit("the dashboard exited during the steady-state run:\n"
                                     + _tmux("capture-pane", "-p", "-t", SESSION))
                samples.append(rss)
                time.sleep(1.0)
            screen = _tmux("capture-pane", "-p", "-t", SESSION)
        finally:
            _tmux("kill-session", "-t", SESSION)
    status = next((ln for ln in screen.splitlines() if "kubeconfig" in ln), "").strip()
    median = statistics.median(starts)
    peak, last = max(samples), samples[-1]
    ok_start = "PASS" if median <= TARGET_START else "MISS"
    ok_rss = "PASS" if peak <= TARGET_RSS_MIB else "MISS"
    print(f"  status bar after {args.steady:.0f}s: {status}")
    print(f"tui_start (b): warm start to first frame, {args.clusters}-cluster cache: median {median:.3f}s "
          f"(min {min(starts):.3f}s, max {max(starts):.3f}s over {len(starts)}); "
          f"target <= {TARGET_START:.1f}s: {ok_start}")
    print(f"tui_start (c): steady-state RSS with the live sync of {args.clusters} clusters: "
          f"peak {peak:.0f} MiB, last {last:.0f} MiB over {args.steady:.0f}s; "
          f"target <= {TARGET_RSS_MIB:.0f} MiB: {ok_rss}")
    return 0 if ok_start == ok_rss == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
