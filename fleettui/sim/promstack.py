"""A real Prometheus per simulated cluster and one real Alertmanager for the fleet.

A real cluster runs its own Prometheus, so each member gets one: external label
`cluster=<name>`, scraping that cluster's `/clusters/<name>/metrics` on the simulator's
port, evaluating the rules distributed to it, sending to the fleet's Alertmanager. The
harness also plays prometheus-operator (see operator_rules.py): PrometheusRule objects
stored in a member become rule files of that member's Prometheus, then `POST /-/reload`.

Children never outlive the simulator: each is started with PR_SET_PDEATHSIG (SIGKILL
when the simulator's process dies, even by kill -9) in a session of its own (a Ctrl-C
meant for the simulator does not kill them mid-stop); `stop()` terminates them and
removes the temporary directory; a directory left by a killed simulator is removed by
the next harness that starts (its owner's pid is recorded in it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from fleettui.sim import operator_rules
from fleettui.sim.seed_monitoring import PROMETHEUS_RULES

log = logging.getLogger(__name__)

BINARIES = {"prometheus": "prometheus", "alertmanager": "prometheus-alertmanager", "promtool": "promtool"}
DIR_PREFIX = "fleettui-prom-"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


class PromStackError(Exception):
    """The stack could not start (a binary missing or a process that would not come up)."""


def missing_binaries() -> str | None:
    """Why the stack cannot run here, or None. Debian packages: prometheus (with
    promtool) and prometheus-alertmanager; `make system-deps` installs them."""
    gone = [b for b in BINARIES.values() if shutil.which(b) is None]
    if not gone:
        return None
    return f"{', '.join(gone)} not installed (Debian packages prometheus, prometheus-alertmanager)"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the simulator dies, however it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: stop() is the only cleanup
        pass


def remove_stale_dirs(root: str | None = None) -> list[str]:
    """Directories of harnesses whose simulator was killed (no stop() ran)."""
    removed = []
    for d in Path(root or tempfile.gettempdir()).glob(DIR_PREFIX + "*"):
        try:
            pid = int((d / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(str(d))
        except PermissionError:  # alive, someone else's
            pass
    return removed


@dataclass
class Child:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 8) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class PromStack:
    """Start with `await start()` after the simulator is serving; `await stop()` before
    it stops. `prometheus[cluster]` and `alertmanager` are base URLs."""

    def __init__(self, sim: Any, *, scrape_interval: float = 5.0, evaluation_interval: float | None = None,
                 retention: str = "6h", host: str = "127.0.0.1") -> None:
        self.sim = sim
        self.scrape_interval = scrape_interval
        self.evaluation_interval = evaluation_interval or scrape_interval
        self.retention = retention
        self.host = host
        self.dir: Path | None = None
        self.children: dict[str, Child] = {}  # cluster name or "alertmanager"
        self.prometheus: dict[str, str] = {}
        self.alertmanager = ""
        self.version = ""  # the running Prometheus' version (buildinfo)
        self._session: aiohttp.ClientSession | None = None
        self._unsubscribe: list[Any] = []
        self._loaded: dict[str, dict[str, tuple[str, operator_rules.RenderedRules]]] = {}
        self._dirty: set[str] = set()
        self._drain: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    # -------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        why = missing_binaries()
        if why:
            raise PromStackError(why)
        if not self.sim.base_url:
            raise PromStackError("start the simulator before its Prometheus stack")
        remove_stale_dirs()
        self.dir = Path(tempfile.mkdtemp(prefix=DIR_PREFIX))
        (self.dir / "owner.pid").write_text(str(os.getpid()))
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        try:
            self._start_alertmanager()
            for name in self.sim.cluster_names:
                self._start_prometheus(name)
            await asyncio.gather(*(self._ready(c) for c in self.children.values()))
            await asyncio.gather(*(self._discovered(url) for url in self.prometheus.values()))
            self.version = await self._buildinfo()
            for name in self.sim.cluster_names:
                self._loaded[name] = {}
                self._unsubscribe.append(self.sim.cluster(name).subscribe(self._on_change(name)))
                self._dirty.add(name)
            await self.sync()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._drain is not None:
            self._drain.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._drain
            self._drain = None
        for child in self.children.values():
            if child.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for child in self.children.values():
            try:
                # a thread waits on the child: Popen has no awaitable wait
                await asyncio.to_thread(child.proc.wait, max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
                child.proc.wait()
        self.children.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def pids(self) -> list[int]:
        return [c.proc.pid for c in self.children.values()]

    def describe(self) -> dict[str, Any]:
        """What `fleettui sim --prometheus` writes next to its kubeconfig."""
        return {"alertmanager": self.alertmanager, "prometheus": dict(self.prometheus),
                "version": self.version, "scrape_interval": f"{self.scrape_interval:g}s",
                "pids": self.pids()}

    # ------------------------------------------------------------- processes

    def _spawn(self, name: str, cmd: list[str], url: str) -> None:
        assert self.dir is not None
        log_path = self.dir / f"{name}.log"
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.dir, start_new_session=True, preexec_fn=_die_with_parent,
                                    env={**os.environ, "GOGC": "50"})  # a smaller heap: RSS, see docs
        self.children[name] = Child(name, url, proc, log_path)

    def _start_alertmanager(self) -> None:
        assert self.dir is not None
        port = free_port(self.host)
        config = {"route": {"receiver": "null", "group_by": ["alertname", "cluster"], "group_wait": "1s",
                            "group_interval": "5s", "repeat_interval": "4h"},
                  "receivers": [{"name": "null"}]}
        path = self.dir / "alertmanager.yml"
        path.write_text(json.dumps(config, indent=1) + "\n")
        (self.dir / "alertmanager").mkdir()
        self.alertmanager = f"http://{self.host}:{port}"
        self._spawn("alertmanager", [
            shutil.which(BINARIES["alertmanager"]) or BINARIES["alertmanager"], f"--config.file={path}",
            f"--storage.path={self.dir / 'alertmanager'}", f"--web.listen-address={self.host}:{port}",
            "--cluster.listen-address=", "--log.level=warn"], self.alertmanager)

    def _start_prometheus(self, cluster: str) -> None:
        assert self.dir is not None
        home = self.dir / cluster
        (home / "rules").mkdir(parents=True)
        (home / "data").mkdir()
        port = free_port(self.host)
        sim_host = self.sim.base_url.split("://", 1)[1]
        interval = f"{self.scrape_interval:g}s"
        config = {
            "global": {"scrape_interval": interval, "scrape_timeout": interval,
                       "evaluation_interval": f"{self.evaluation_interval:g}s",
                       "external_labels": {"cluster": cluster}},
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [self.alertmanager.split("://")[1]]}]}]},
            "rule_files": [str(home / "rules" / "*.yaml")],
            "scrape_configs": [{
                "job_name": "fleettui-sim", "metrics_path": f"/clusters/{cluster}/metrics",
                "static_configs": [{"targets": [sim_host]}],
                # one endpoint serves three exporters: give each family its exporter's job,
                # so rules written for kube-prometheus (job="kube-state-metrics") match
                "metric_relabel_configs": [
                    {"source_labels": ["__name__"], "regex": "kube_.*", "target_label": "job",
                     "replacement": "kube-state-metrics"},
                    {"source_labels": ["__name__"], "regex": "container_.*", "target_label": "job",
                     "replacement": "kubelet"},
                    {"source_labels": ["__name__"], "regex": "node_.*", "target_label": "job",
                     "replacement": "node-exporter"}]}],
        }
        path = home / "prometheus.yml"
        path.write_text(json.dumps(config, indent=1) + "\n")
        url = f"http://{self.host}:{port}"
        self.prometheus[cluster] = url
        self._spawn(cluster, [
            shutil.which(BINARIES["prometheus"]) or BINARIES["prometheus"], f"--config.file={path}",
            f"--storage.tsdb.path={home / 'data'}", f"--storage.tsdb.retention.time={self.retention}",
            f"--web.listen-address={self.host}:{port}", "--web.enable-lifecycle",
            "--query.max-concurrency=4", "--log.level=warn",
            # resend often: Alertmanager then sees a firing alert within an evaluation of its
            # discovery, and lets it expire soon when this Prometheus dies
            f"--rules.alert.resend-delay={self.evaluation_interval:g}s"], url)

    async def _ready(self, child: Child) -> None:
        assert self._session is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if child.proc.poll() is not None:
                raise PromStackError(f"{child.name}: exited with {child.proc.returncode}:\n{child.log_tail()}")
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with self._session.get(f"{child.url}/-/ready") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise PromStackError(f"{child.name}: not ready after {START_TIMEOUT:g} s:\n{child.log_tail()}")

    async def _discovered(self, url: str) -> None:
        """Prometheus' discovery hands targets and Alertmanagers over every 5 s: until
        then nothing is scraped and no alert can leave. Started means both are known."""
        assert self._session is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError):
                async with self._session.get(f"{url}/api/v1/targets") as r:
                    targets = (await r.json())["data"]["activeTargets"]
                async with self._session.get(f"{url}/api/v1/alertmanagers") as r:
                    managers = (await r.json())["data"]["activeAlertmanagers"]
                if targets and managers:
                    return
            await asyncio.sleep(0.2)
        raise PromStackError(f"{url}: no scrape target or Alertmanager after {START_TIMEOUT:g} s")

    async def _buildinfo(self) -> str:
        assert self._session is not None
        if not self.prometheus:
            return ""
        async with self._session.get(f"{next(iter(self.prometheus.values()))}/api/v1/status/buildinfo") as r:
            return str((await r.json())["data"]["version"])

    # ---------------------------------------------------------- rule loading

    def _on_change(self, cluster: str) -> Any:
        def changed(event: str, resource: str, obj: dict[str, Any]) -> None:
            if resource == PROMETHEUS_RULES:
                self._dirty.add(cluster)
                self._schedule()
        return changed

    def _schedule(self) -> None:
        self._idle.clear()
        if self._drain is None or self._drain.done():
            self._drain = asyncio.get_running_loop().create_task(self._drain_dirty(), name="promstack-rules")

    async def _drain_dirty(self) -> None:
        try:
            while self._dirty:
                name = self._dirty.pop()
                try:
                    await self._sync_cluster(name)
                except Exception:  # one cluster's failure must not stop the others' loading
                    log.exception("loading rules into %s's Prometheus failed", name)
        finally:
            if not self._dirty:
                self._idle.set()

    async def sync(self) -> None:
        """Wait until every PrometheusRule change seen so far is loaded (or rejected)."""
        if self._dirty:
            self._schedule()
        await self._idle.wait()

    async def _sync_cluster(self, name: str) -> None:
        assert self.dir is not None
        cluster = self.sim.cluster(name)
        rules_dir = self.dir / name / "rules"
        version = operator_rules.parse_version(self.version)
        loaded = self._loaded[name]
        current: dict[str, tuple[str, operator_rules.RenderedRules]] = {}
        changed = False
        for obj in list(cluster.iter(PROMETHEUS_RULES)):
            uid, rv = obj["metadata"].get("uid", ""), obj["metadata"].get("resourceVersion", "")
            known = loaded.get(uid)
            if known is not None and known[0] == rv:
                current[uid] = known
                continue
            rendered = operator_rules.render(obj, version)
            if rendered.error is None:
                rendered.error = await self._promtool(rendered)
            target = rules_dir / rendered.filename
            if rendered.error is not None:
                cluster.events.record(obj, operator_rules.REASON_INVALID,
                                      operator_rules.rejected_message(obj, rendered.error),
                                      component=operator_rules.COMPONENT)
                changed |= target.exists()
                target.unlink(missing_ok=True)
            else:
                for sentence in rendered.dropped:
                    cluster.events.record(obj, operator_rules.REASON_DROPPED, sentence,
                                          component=operator_rules.COMPONENT)
                target.write_text(rendered.content)
                changed = True
            current[uid] = (rv, rendered)
        for uid, (_, gone) in loaded.items():
            if uid not in current:
                (rules_dir / gone.filename).unlink(missing_ok=True)
                changed = True
        self._loaded[name] = current
        if changed:
            await self._reload(name)

    async def _promtool(self, rendered: operator_rules.RenderedRules) -> str | None:
        assert self.dir is not None
        path = self.dir / f"check-{os.getpid()}-{rendered.filename}"
        path.write_text(rendered.content)
        try:
            proc = await asyncio.create_subprocess_exec(
                shutil.which(BINARIES["promtool"]) or BINARIES["promtool"], "check", "rules", str(path),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            out, _ = await proc.communicate()
        finally:
            path.unlink(missing_ok=True)
        if proc.returncode == 0:
            return None
        return operator_rules.promtool_error(out.decode(errors="replace"), str(path))

    async def _reload(self, name: str) -> None:
        assert self._session is not None
        async with self._session.post(f"{self.prometheus[name]}/-/reload") as r:
            if r.status != 200:
                log.warning("%s: Prometheus reload answered %s: %s", name, r.status, await r.text())
