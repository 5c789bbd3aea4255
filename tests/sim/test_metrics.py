"""The simulator's /metrics: strict exposition format, values from the cluster's state."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import aiohttp
import pytest

from fleettui.sim import Simulator, metrics

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')


def parse(text: str) -> dict[str, dict]:
    """Text format 0.0.4, strictly: HELP then TYPE once per family, before its samples;
    samples of the current family only; labels quoted with only \\\\ \\" \\n escapes."""
    assert text.endswith("\n")
    families: dict[str, dict] = {}
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert name not in families, f"line {n}: family {name} declared twice"
            current = families[name] = {"help": line.split(" ", 3)[3], "type": None, "samples": []}
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert current is families.get(name) and current["type"] is None, f"line {n}: TYPE out of place"
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped")
            current["type"] = kind
        else:
            m = _SAMPLE.match(line)
            assert m, f"line {n}: not a sample: {line!r}"
            name, body, value = m.groups()
            assert current is not None and name == next(k for k, v in families.items() if v is current), \
                f"line {n}: {name} outside its family"
            labels: dict[str, str] = {}
            pos = 0
            while body and pos < len(body):
                lm = _LABEL.match(body, pos)
                assert lm, f"line {n}: bad labels at {body[pos:]!r}"
                assert lm.group(1) not in labels
                labels[lm.group(1)] = lm.group(2).replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
                pos = lm.end()
            current["samples"].append((labels, float(value)))
    return families


def values(fams: dict[str, dict], name: str, **match: str) -> list[float]:
    return [v for labels, v in fams[name]["samples"] if all(labels.get(k) == x for k, x in match.items())]


@pytest.fixture
async def fleet() -> Simulator:
    sim = Simulator(clusters=5, seed="demo")
    sim.clock.freeze()
    await sim.start()
    await sim.advance(200, step=2)
    yield sim
    await sim.stop()


async def test_scrape_is_strict_and_matches_the_cluster_state(fleet: Simulator) -> None:
    async with aiohttp.ClientSession() as s, s.get(fleet.url("ack-hangzhou-a") + "/metrics") as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        fams = parse(await r.text())
    c = fleet.cluster("ack-hangzhou-a")
    pods = c.list("pods")
    for phase in metrics.PHASES:
        want = sum(1 for p in pods if p["status"].get("phase", "Pending") == phase)
        assert sum(values(fams, "kube_pod_status_phase", phase=phase)) == want
    # the 1st cluster's pod that fits no node
    unschedulable = {lab["pod"] for lab, v in fams["kube_pod_status_unschedulable"]["samples"] if v == 1}
    assert unschedulable and all(p.startswith("report-renderer-") for p in unschedulable)
    for d in c.list("deployments.apps"):
        m = d["metadata"]
        assert values(fams, "kube_deployment_spec_replicas", namespace=m["namespace"], deployment=m["name"]) == \
            [d["spec"]["replicas"]]
        assert values(fams, "kube_deployment_status_replicas_available", namespace=m["namespace"],
                      deployment=m["name"]) == [d["status"].get("availableReplicas", 0)]
    assert fams["kube_pod_container_status_restarts_total"]["type"] == "counter"
    assert fams["container_cpu_usage_seconds_total"]["type"] == "counter"
    node = c.list("nodes")[0]
    assert values(fams, "kube_node_status_allocatable", node=node["metadata"]["name"], resource="cpu") == \
        [metrics.quantity(node["status"]["allocatable"]["cpu"])]
    assert len(values(fams, "node_cpu_seconds_total", node=node["metadata"]["name"], mode="idle")) == \
        int(node["status"]["capacity"]["cpu"])


async def test_problems_show_in_the_series_and_counters_move(fleet: Simulator) -> None:
    edge = parse(metrics.render(fleet.cluster("edge-shenzhen")))
    not_ready = [lab["node"] for lab, v in edge["kube_node_status_condition"]["samples"]
                 if lab["condition"] == "Ready" and lab["status"] != "true" and v == 1]
    assert not_ready == ["edge-shenzhen-node-05"]
    # its kubelet is gone: no usage from it
    assert not values(edge, "container_cpu_usage_seconds_total", node="edge-shenzhen-node-05")
    assert not values(edge, "node_cpu_seconds_total", node="edge-shenzhen-node-05")

    crash = fleet.cluster("ack-shanghai-a")
    before = parse(metrics.render(crash))
    waiting = {lab["pod"] for lab, _ in before["kube_pod_container_status_waiting_reason"]["samples"]
               if lab["reason"] == "CrashLoopBackOff"}
    assert waiting and all(p.startswith("currency-rates-") for p in waiting)
    await fleet.advance(600, step=5)
    after = parse(metrics.render(crash))

    def restarts(fams: dict) -> float:
        return sum(v for lab, v in fams["kube_pod_container_status_restarts_total"]["samples"]
                   if lab["pod"].startswith("currency-rates-"))

    assert restarts(after) > restarts(before) > 0
    pods = {p["metadata"]["name"]: p for p in crash.list("pods")}
    for lab, v in after["kube_pod_container_status_restarts_total"]["samples"]:
        cs = next(s for s in pods[lab["pod"]]["status"]["containerStatuses"] if s["name"] == lab["container"])
        assert v == cs["restartCount"]

    # a busy app uses more of its request than any other workload; values are the model's
    now = crash.clock.now()
    usage = after["container_cpu_usage_seconds_total"]["samples"]
    for lab, v in usage[:20]:
        pod = pods[lab["pod"]]
        c = next(x for x in pod["spec"]["containers"] if x["name"] == lab["container"])
        cs = next(s for s in pod["status"]["containerStatuses"] if s["name"] == lab["container"])
        started = metrics._epoch(cs["state"]["running"]["startedAt"])
        rate = metrics.quantity(c["resources"]["requests"]["cpu"]) * metrics.utilisation(crash.name, pod)
        phase = 2 * 3.141592653589793 * metrics._unit_hash(crash.name, pod["metadata"]["uid"], lab["container"])
        assert v == pytest.approx(metrics.cpu_seconds(rate, phase, started, now), rel=1e-9)
    search = [p for p in pods.values() if p["metadata"].get("labels", {}).get("app") == "search"]
    assert metrics.utilisation(crash.name, search[0]) == metrics.BUSY_UTILISATION
    assert all(metrics.utilisation(crash.name, p) < metrics.BUSY_UTILISATION for p in pods.values()
               if p["metadata"].get("labels", {}).get("app") not in metrics.BUSY_APPS)
    again = {tuple(sorted(lab.items())): v for lab, v in parse(metrics.render(crash))[
        "container_cpu_usage_seconds_total"]["samples"]}
    await fleet.advance(30, step=5)
    later = {tuple(sorted(lab.items())): v for lab, v in parse(metrics.render(crash))[
        "container_cpu_usage_seconds_total"]["samples"]}
    assert all(later[k] > v for k, v in again.items() if k in later)


def test_label_values_are_escaped() -> None:
    line = metrics.sample("x", (("a", 'back\\slash "quoted"\nnew'),), 1.5)
    assert line == 'x{a="back\\\\slash \\"quoted\\"\\nnew"} 1.5'
    assert parse(f"# HELP x h\n# TYPE x gauge\n{line}\n")["x"]["samples"] == [
        ({"a": 'back\\slash "quoted"\nnew'}, 1.5)]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (make system-deps)")
def test_promtool_accepts_the_scrape() -> None:
    sim = Simulator(clusters=3, seed="demo")
    text = metrics.render(sim.cluster("ack-hangzhou-a"))
    out = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    # node-exporter's own names are camelCase (node_memory_MemTotal_bytes): the only lint allowed
    problems = [line for line in (out.stdout + out.stderr).splitlines() if line and "camelCase" not in line]
    assert problems == []


@pytest.mark.alone
async def test_a_scrape_of_a_demo_cluster_is_fast(fleet: Simulator) -> None:
    c = fleet.cluster(fleet.cluster_names[0])
    metrics.render(c)
    best = min(_timed(lambda: metrics.render(c)) for _ in range(5))
    assert len(c.list("pods")) >= 100
    assert best < 0.05, f"{best * 1000:.1f} ms"


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


async def test_network_counters_per_running_pod_grow_with_the_model(fleet: Simulator) -> None:
    c = fleet.cluster("ack-shanghai-a")
    fams = parse(metrics.render(c))
    assert fams["container_network_receive_bytes_total"]["type"] == "counter"
    pods = {p["metadata"]["name"]: p for p in c.list("pods")}
    rx = {lab["pod"]: (lab, v) for lab, v in fams["container_network_receive_bytes_total"]["samples"]}
    tx = {lab["pod"]: v for lab, v in fams["container_network_transmit_bytes_total"]["samples"]}
    running = {n for n, p in pods.items() if p["status"].get("phase") == "Running" and p["spec"].get("nodeName")}
    assert set(rx) and set(rx) <= running and set(rx) == set(tx)
    now = c.clock.now()
    for name, (lab, v) in list(rx.items())[:10]:
        pod = pods[name]
        assert lab["interface"] == "eth0" and lab["node"] == pod["spec"]["nodeName"]
        started = metrics._epoch(pod["status"]["startTime"])
        phase = 2 * 3.141592653589793 * metrics._unit_hash(c.name, pod["metadata"]["uid"], "eth0")
        want_rx, want_tx = metrics.network_bytes(metrics.utilisation(c.name, pod), phase, started, now)
        assert v == pytest.approx(want_rx, rel=1e-9) and tx[name] == pytest.approx(want_tx, rel=1e-9)
    await fleet.advance(30, step=5)
    later = {lab["pod"]: v for lab, v in parse(metrics.render(c))["container_network_receive_bytes_total"]["samples"]}
    assert all(later[p] > v for p, (_, v) in rx.items() if p in later)
