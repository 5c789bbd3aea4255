"""The harness against real Prometheus and Alertmanager processes (make test installs them)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from fleettui.sim import Simulator, operator_rules, promstack
from fleettui.sim.promstack import PromStack, missing_binaries
from fleettui.sim.seed_monitoring import PROMETHEUS_RULES

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))


def rule(name: str, groups: list[dict]) -> dict:
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": name, "namespace": "monitoring"}, "spec": {"groups": groups}}


async def get(session: aiohttp.ClientSession, url: str, **params: str):
    async with session.get(url, params=params or None) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def eventually(check, within: float = 15.0):
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.25)


@pytest.mark.slow
async def test_rules_load_per_cluster_invalid_is_rejected_and_alerts_reach_alertmanager(tmp_path: Path) -> None:
    sim = Simulator(clusters=2, seed="demo")
    await sim.start()
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    a, b = sim.cluster_names
    pids = stack.pids()
    try:
        async with aiohttp.ClientSession() as s:
            # a crash loop in b only, made the way any pod crashes in the simulator
            sim.cluster(b).create("pods", {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "crasher", "namespace": "default",
                             "annotations": {"sim.fleettui.io/exit-code": "1"}},
                "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]}})
            crash = rule("crashloop", [{"name": "pods", "rules": [{
                "alert": "KubePodCrashLooping",
                "expr": 'max_over_time(kube_pod_container_status_waiting_reason'
                        '{reason="CrashLoopBackOff",job="kube-state-metrics"}[1m]) >= 1',
                "for": "1s", "labels": {"severity": "warning"}}]}])
            for name in (a, b):
                sim.cluster(name).create(PROMETHEUS_RULES, crash)
            # applied through the kube API (as the engine will), in a only
            async with s.post(sim.url(a) + "/apis/monitoring.coreos.com/v1/namespaces/monitoring/prometheusrules",
                              json=rule("only-a", [{"name": "only-a", "query_offset": "1m", "rules": [
                                  {"alert": "OnlyA", "expr": "vector(1)", "keep_firing_for": "1m"}]}])) as r:
                assert r.status == 201, await r.text()
            bad = sim.cluster(b).create(PROMETHEUS_RULES, rule("bad", [{"name": "bad", "rules": [
                {"alert": "Bad", "expr": "sum(rate(up[5m])"}]}]))
            await stack.sync()

            def names(doc: dict) -> set[str]:
                return {r["name"] for g in doc["data"]["groups"] for r in g["rules"]}

            assert names(await get(s, stack.prometheus[a] + "/api/v1/rules")) == {"KubePodCrashLooping", "OnlyA"}
            assert names(await get(s, stack.prometheus[b] + "/api/v1/rules")) == {"KubePodCrashLooping"}
            events = [e for e in sim.cluster(b).list("events", "monitoring")
                      if e["involvedObject"].get("uid") == bad["metadata"]["uid"]]
            assert [(e["type"], e["reason"]) for e in events] == [("Warning", operator_rules.REASON_INVALID)]
            assert "unclosed left parenthesis" in events[0]["message"] and '"Bad"' in events[0]["message"]
            dropped = [e["message"] for e in sim.cluster(a).list("events", "monitoring")
                       if e["reason"] == operator_rules.REASON_DROPPED]
            assert dropped and all("query_offset" in m for m in dropped)  # 2.42 keeps keep_firing_for

            await sim.advance(30)  # the crasher starts, exits, backs off

            async def crashing() -> list[dict]:
                doc = await get(s, stack.alertmanager + "/api/v2/alerts")
                return [x for x in doc if x["labels"]["alertname"] == "KubePodCrashLooping"]

            fired = await eventually(crashing, within=20)
            assert [x["labels"]["cluster"] for x in fired] == [b]
            assert fired[0]["labels"]["pod"] == "crasher"
            alerts = await get(s, stack.prometheus[a] + "/api/v1/alerts")
            assert {x["labels"]["alertname"] for x in alerts["data"]["alerts"]} == {"OnlyA"}

            sim.cluster(a).delete(PROMETHEUS_RULES, "monitoring", "only-a")
            await stack.sync()
            assert names(await get(s, stack.prometheus[a] + "/api/v1/rules")) == {"KubePodCrashLooping"}
    finally:
        await stack.stop()
        await sim.stop()
    assert not any(_alive(p) for p in pids)
    assert stack.dir is None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_sim_prometheus_leaves_no_process_behind(tmp_path: Path, how: str) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "fleettui.cli.main", "sim", "--clusters", "2", "--prometheus",
                             "--scrape-interval", "2", "--kubeconfig", str(kubeconfig)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        words = proc.stdout.readline().split()
        assert words[:1] == ["ready"] and len(words) == 4, proc.stderr.read()
        described = json.loads(Path(words[3]).read_text())
        assert set(described["prometheus"]) == {"ack-hangzhou-a", "idc-beijing"}
        pids = described["pids"]
        assert len(pids) == 3 and all(_alive(p) for p in pids)
        workdir = Path(f"/proc/{pids[0]}/cwd").resolve()
        os.kill(proc.pid, getattr(signal, how))
        proc.wait(timeout=15)
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids)
        if how == "SIGTERM":
            assert proc.returncode == 0 and not workdir.exists()
        else:  # nothing ran stop(): the next harness removes what the dead one left
            assert workdir.exists()
            assert str(workdir) in promstack.remove_stale_dirs(str(workdir.parent))
            assert not workdir.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_demo_maps_clusters_to_their_prometheus_or_says_why_alerts_are_off(monkeypatch) -> None:
    import yaml

    from fleettui.cli.commands import demo
    from fleettui.config.fleetfile import FleetFile
    from fleettui.sim import promstack

    sim, off = demo.start_simulation(2)
    try:
        assert off is None
        fleet = FleetFile.load(sim.write_fleet_file())
        assert fleet.hub == "hub" and fleet.alertmanager == sim.stack["alertmanager"]
        assert {n: c.prometheus for n, c in fleet.clusters.items()} == sim.stack["prometheus"]
        assert set(fleet.clusters) == {"ack-hangzhou-a", "idc-beijing"}
    finally:
        sim.stop()
    monkeypatch.setattr(promstack, "missing_binaries", lambda: "prometheus not installed (test)")
    sim, off = demo.start_simulation(1)
    try:
        assert off == "prometheus not installed (test)" and sim.stack is None
        assert yaml.safe_load(sim.write_fleet_file().read_text()) == {"hub": "hub", "clusters": {}}
    finally:
        sim.stop()
