"""Run every benchmark in bench/ in turn (`make bench`), each in its own process.

Benchmarks are not tests: they print figures to compare as ratios within one run
(the machines are shared and noisy). Each module is runnable on its own as
`python -m bench.<name>`.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

# tui_keys_compare needs another source tree to compare with (--base): run it by hand
SKIP = {"run", "common", "tui_keys_compare"}


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in SKIP)
    only = set(sys.argv[1:])
    failed = []
    for name in names:
        if only and name not in only:
            continue
        print(f"== bench.{name}", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=here.parent)
        if rc != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
