"""`fleettui demo`: the dashboard on a simulated fleet, in one command.

Starts `fleettui sim --clusters N --seed demo` as a child process, waits for its
`ready <base-url> <kubeconfig>` line, opens the dashboard on that kubeconfig with
the simulator's `hub` context, and stops the child (and removes its kubeconfig)
however the dashboard ends. The demo keeps its own cache (`demo.db` next to the
real one) so it never mixes simulated clusters into a real fleet's cache.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from fleettui.cli.common import CliError, opt, positive_int
from fleettui.config import mode

READY_TIMEOUT = 60.0
STOP_TIMEOUT = 5.0


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "demo",
        parents=parents,
        help="open the dashboard on a simulated fleet (starts and stops the simulator)",
        description="Start the fleet simulator as a child process and open the dashboard on it. "
        "Uses its own cache ($XDG_CACHE_HOME/fleettui/demo.db, started afresh each time, "
        "unless --cache).",
    )
    p.add_argument("--clusters", type=positive_int, default=8, metavar="N",
                   help="simulated member clusters (default: 8)")
    p.add_argument("--theme", metavar="NAME", default=argparse.SUPPRESS, help="theme name")
    p.add_argument("--no-apps", action="store_true",
                   help="start without the example applications (examples/*.yaml)")
    p.set_defaults(handler=run_demo)


class Simulation:
    """The simulator child: started, awaited until ready, always stopped."""

    def __init__(self, clusters: int, *, prometheus: bool = False) -> None:
        self.clusters = clusters
        self.prometheus = prometheus  # ask for the Prometheus stack (fleettui sim --prometheus)
        self.stack: dict | None = None  # where each Prometheus and the Alertmanager listen
        self.dir = Path(tempfile.mkdtemp(prefix="fleettui-demo-"))
        self.kubeconfig = self.dir / "kubeconfig"
        self.log_path = self.dir / "sim.log"
        self.proc: subprocess.Popen[str] | None = None
        self.base_url: str | None = None

    def start(self) -> None:
        cmd = [sys.executable, "-m", "fleettui.cli.main", "sim", "--clusters", str(self.clusters),
               "--seed", "demo", "--kubeconfig", str(self.kubeconfig)]
        if self.prometheus:
            cmd.append("--prometheus")
        log = open(self.log_path, "w")  # noqa: SIM115 - owned by the child for its lifetime
        env = {k: v for k, v in os.environ.items() if k not in ("KUBECONFIG", "FLEETTUI_CACHE")}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                                     text=True, env=env, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        log.close()
        line: list[str] = []
        stdout = self.proc.stdout
        assert stdout is not None  # stdout=PIPE
        reader = threading.Thread(target=lambda: line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(READY_TIMEOUT)
        words = line[0].split() if line else []
        if len(words) not in (3, 4) or words[0] != "ready":
            self.stop()
            why = "did not say ready in time" if not line else f"exited ({self.proc.returncode})"
            raise CliError(f"the simulator {why}:\n{self.log_tail()}")
        self.base_url = words[1]
        if len(words) == 4:
            import json

            self.stack = json.loads(Path(words[3]).read_text())

    def write_fleet_file(self) -> Path:
        """The demo fleet: each member with its Prometheus, the fleet's Alertmanager."""
        import yaml

        stack = self.stack or {}
        body: dict = {"hub": "hub"}
        if stack.get("alertmanager"):
            body["alertmanager"] = stack["alertmanager"]
        body["clusters"] = {name: {"prometheus": url} for name, url in (stack.get("prometheus") or {}).items()}
        path = self.dir / "fleet.yaml"
        path.write_text("# written by fleettui demo\n" + yaml.safe_dump(body, sort_keys=False))
        return path

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                # the simulator stops in about a second; do not let a stuck one hold the terminal
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _die_with_parent() -> None:
    """Linux: the simulator gets SIGTERM if the demo process dies without cleaning up
    (a closed terminal, kill -9), so no simulator is left behind."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the finally clause is the only cleanup
        pass


def demo_cache(args: argparse.Namespace) -> str:
    from fleettui.config.paths import cache_dir

    return opt(args, "cache") or str(cache_dir() / "demo.db")


def run_demo(args: argparse.Namespace) -> int:
    from fleettui.cli.dashboard import build_app

    if args.clusters < 1:
        raise CliError("--clusters must be at least 1", 2)
    cache = demo_cache(args)
    Path(cache).parent.mkdir(parents=True, exist_ok=True)
    if not opt(args, "cache"):
        # every demo is a brand-new simulated fleet (new objects, resourceVersions
        # counted from scratch): a cache of the previous one would only mislead
        for suffix in ("", "-wal", "-shm"):
            Path(cache + suffix).unlink(missing_ok=True)
    sim, alerts_off = start_simulation(args.clusters)
    # a closed terminal (SIGHUP) or a kill (SIGTERM) still stops the simulator
    previous = {sig: signal.signal(sig, _exit_on_signal) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        args.kubeconfig = str(sim.kubeconfig)
        args.cache = cache
        args.hub = "hub"
        args.context = None  # every simulated cluster
        args.fleet = str(sim.write_fleet_file())
        if not args.no_apps and not mode.current().read_only:
            declare_example_applications(args)
        label = f"demo simulator {sim.base_url}" + (f" · alerts off: {alerts_off}" if alerts_off else "")
        app = build_app(args, kubeconfig_label=label)
        app.run()
        code = int(app.return_code or 0)
    finally:
        sim.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def start_simulation(clusters: int) -> tuple[Simulation, str | None]:
    """The simulator with a Prometheus per cluster when the binaries are here; without
    them (or when they fail to start) the demo runs on, saying why alerts are off."""
    from fleettui.sim.promstack import missing_binaries

    why = missing_binaries()
    extra = "" if why else " with Prometheus"
    print(f"starting the simulator ({clusters} clusters{extra})…", file=sys.stderr, flush=True)
    if why is None:
        sim = Simulation(clusters, prometheus=True)
        try:
            sim.start()
            return sim, None
        except CliError as exc:
            why = str(exc).splitlines()[-1] if str(exc) else "the Prometheus stack did not start"
            print(f"demo: alerts off: {why}", file=sys.stderr, flush=True)
    else:
        print(f"demo: alerts off: {why}", file=sys.stderr, flush=True)
    sim = Simulation(clusters)
    sim.start()
    return sim, why


def examples_dir() -> Path | None:
    """`examples/` of a source checkout (where `make demo` runs); None when installed."""
    here = Path(__file__).resolve().parents[3] / "examples"
    return here if here.is_dir() else None


def declare_example_applications(args: argparse.Namespace) -> list[str]:
    """Declare the example applications on the demo's local hub, so the Rollouts pane
    has the three delivery scenarios to show: replication, differentiated
    configuration, and a canary that stops at its gate. Only declared here; the
    dashboard's engine runs their workflows live, as it would for a user's `d`."""
    examples = examples_dir()
    if examples is None:
        return []
    import yaml

    from fleettui.cli.commands.app import open_hub

    local = argparse.Namespace(**vars(args))
    local.hub = None

    async def declare() -> list[str]:
        declared: list[str] = []
        async with open_hub(local) as hub:
            for path in sorted(examples.glob("*.yaml")):
                try:
                    result = await hub.apply(yaml.safe_load(path.read_text()))
                except Exception as exc:  # a demo extra: say why, never stop the demo
                    print(f"demo: {path.name} not declared: {exc}", file=sys.stderr)
                    continue
                declared.append(f"{result.namespace}/{result.name}")
        return declared

    import asyncio

    return asyncio.run(declare())


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
