"""The headless commands never load Textual (as harlequin proves its adapters run without
the TUI): a `fleettui sync` on a server, a controller in a pod or a script calling
`fleettui app` pays neither Textual's import time nor its dependencies.

Each command runs in a fresh interpreter, for real where that is cheap offline (a
cache built here, a kubeconfig whose server refuses at once), and the interpreter
reports which `textual` modules it ended up with. The import-linter contract keeps
the packages below the TUI clean; this test covers what the contract cannot see:
the imports the CLI does lazily, inside each command's handler.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dr.dr_fixture import FLEET_YAML, fill_dr_apps
from tui.fleet_fixture import fixture_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# runs `main(argv)` and writes the exit code and the textual modules it loaded to a file
# (stdout is the command's)
HARNESS = """
import json, sys
report, preload, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
if preload:
    __import__(preload)
from fleettui.cli.main import main
try:
    code = main(argv)
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
with open(report, "w") as f:
    json.dump({"code": code, "textual": loaded}, f)
"""

KUBECONFIG = {
    "apiVersion": "v1", "kind": "Config", "current-context": "edge-a",
    # port 1 refuses at once: commands that reach for a cluster fail fast, offline
    "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
    "users": [{"name": "u", "user": {"token": "t"}}],
    "contexts": [{"name": "edge-a", "context": {"cluster": "c", "user": "u"}}],
}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hygiene")
    (d / "kubeconfig").write_text(yaml.safe_dump(KUBECONFIG))
    (d / "fleet.yaml").write_text(FLEET_YAML)

    async def build() -> None:
        store = await fixture_store(d / "cache.db")
        await fill_dr_apps(store)
        await store.close()

    asyncio.run(build())
    return d


def _run(home: Path, argv: list[str], *, preload: str = "") -> dict:
    report = home / "report.json"
    report.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "FLEETTUI_CACHE")}
    env |= {"XDG_CONFIG_HOME": str(home / "cfg"), "XDG_CACHE_HOME": str(home / "xdg-cache"), "NO_COLOR": "1"}
    common = ["--kubeconfig", str(home / "kubeconfig"), "--fleet", str(home / "fleet.yaml"),
              "--cache", str(home / "cache.db")]
    res = subprocess.run([sys.executable, "-c", HARNESS, str(report), preload, *argv[:1], *common, *argv[1:]],
                         capture_output=True, text=True, timeout=120, env=env, cwd=home)
    assert report.exists(), f"the command did not return: {res.stderr[-2000:]}"
    return {**json.loads(report.read_text()), "stderr": res.stderr}


# (argv, whether it must succeed): the ones that reach for a cluster meet the refusing
# server and fail with an error line, which is fine here; what counts is that they ran
HEADLESS = [
    (["clusters"], True),
    (["services"], True),
    (["dr", "score"], False),  # 1: a tier-1 application of the fixture fails
    (["dr", "whatif", "--cluster", "edge-a"], False),
    (["app", "list"], True),
    (["rules", "render", str(EXAMPLES / "alert-rules.yaml")], True),
    (["sync", "--once", "--timeout", "1"], False),
    (["controller", "--once"], False),
    (["workflow", "resume", "orders-api", "-n", "shop"], False),
    (["cluster", "list", "--request-timeout", "1"], False),
    (["service", "export", "catalog", "-n", "shop", "--cluster", "edge-a", "--yes"], False),
    (["metrics", "top"], False),
    (["metrics", "sync", "--once", "--timeout", "1"], False),
    (["cost"], False),
    (["fit", "--cpu", "500m", "--memory", "1Gi", "--replicas", "2"], False),
    (["alerts"], False),
    (["silence", "list"], False),
    (["rules", "status", "--all"], False),
    (["cluster", "pending"], False),
    (["sync", "--help"], True),
    (["controller", "--help"], True),
]


@pytest.mark.parametrize("argv,must_succeed", HEADLESS, ids=[" ".join(a[:2]) for a, _ in HEADLESS])
def test_a_headless_command_never_loads_textual(home, argv, must_succeed):
    got = _run(home, argv)
    assert got["textual"] == [], f"fleettui {' '.join(argv)} loaded {got['textual'][:5]}"
    if must_succeed:
        assert got["code"] == 0, got["stderr"]
    assert got["code"] != 2, f"arguments refused, the handler never ran: {got['stderr']}"
    assert "Traceback" not in got["stderr"]


def test_the_harness_sees_textual_when_it_is_loaded(home):
    # the control: the same run with the dashboard's app module loaded first reports it,
    # so an empty list above means "not loaded", not "not looked at"
    got = _run(home, ["clusters"], preload="fleettui.tui.app")
    assert got["code"] == 0
    assert "textual" in got["textual"]
