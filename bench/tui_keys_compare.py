"""Key-press latency at 1,000 clusters, before and after a change, in one run.

The build machine's 2 cores are shared with other test runs, so a figure from one
run is not comparable with one taken an hour earlier. This runs
`bench.tui_keys_1000` (this tree's harness and fixture) alternately against a
base source tree and this one, `--runs` times each, and prints each figure's
median and the ratio new/base.

    git archive <base-commit> | tar -x -C /tmp/base
    .venv/bin/python -m bench.tui_keys_compare --base /tmp/base [--runs 3] [--clusters 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
FIGURES = ("answered_median_ms", "answered_p95_ms", "answered_max_ms", "median_ms", "p95_ms", "max_ms", "cpu_median_ms", "cpu_p95_ms", "cpu_max_ms", "cpu_total_ms",
           "first_frame_s", "first_frame_cpu_s", "filled_s")


def once(root: Path, clusters: int) -> dict:
    # fleettui from `root`, the harness from this tree (runpy: its own `bench` is not imported)
    code = ("import runpy, sys; sys.path.insert(0, sys.argv[1]); "
            "sys.argv = ['tui_keys_1000', '--json', '--clusters', sys.argv[2]]; "
            f"runpy.run_path({str(HERE / 'bench' / 'tui_keys_1000.py')!r}, run_name='__main__')")
    out = subprocess.run([sys.executable, "-c", code, str(root), str(clusters)], capture_output=True,
                         text=True, check=True, cwd="/")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="a source tree of the code before the change")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clusters", type=int, default=1000)
    args = ap.parse_args()
    results: dict[str, list[dict]] = {"base": [], "new": []}
    for i in range(args.runs):
        for label, root in (("base", args.base.resolve()), ("new", HERE)):
            r = once(root, args.clusters)
            results[label].append(r)
            print(f"run {i + 1} {label}: " + ", ".join(f"{k} {r.get(k)}" for k in FIGURES)
                  + f"; slowest {r.get('answered_slowest', r['slowest'])[:4]}", flush=True)
    print(f"\nmedians over {args.runs} runs each, {args.clusters} clusters (ratio new/base):")
    for k in FIGURES:
        if any(k not in r for r in results["base"] + results["new"]):
            continue  # a figure the base tree's run did not have
        base = statistics.median(r[k] for r in results["base"])
        new = statistics.median(r[k] for r in results["new"])
        print(f"  {k:18} base {base:9.2f}  new {new:9.2f}  ratio {new / base if base else float('nan'):.2f}")
    if all("per_key" in r for r in results["base"] + results["new"]):
        print("\nper key, medians (answered ms / CPU ms), base -> new:")
        line = []
        for i, (key, _, _) in enumerate(results["new"][0]["per_key"]):
            figs = {label: [(r["per_key"][i][1], r["per_key"][i][2]) for r in results[label]]
                    for label in ("base", "new")}
            b, n = ({label: (statistics.median(a for a, _ in v), statistics.median(c for _, c in v))
                     for label, v in figs.items()}[x] for x in ("base", "new"))
            line.append(f"{key} {b[0]:.0f}/{b[1]:.0f} -> {n[0]:.0f}/{n[1]:.0f}")
        for j in range(0, len(line), 6):
            print("  " + "   ".join(line[j:j + 6]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
