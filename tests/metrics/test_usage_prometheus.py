"""Usage next to requests against the simulator and a real Prometheus per cluster: the
expected figures are computed from what the test created and from the simulator's
objects, and one Prometheus down is named while the others are shown."""

from __future__ import annotations

import asyncio

import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.metrics.refresh import MetricsRefresher
from fleettui.sim import Simulator
from fleettui.sim import metrics as sim_metrics
from fleettui.sim.metrics import quantity
from fleettui.sim.promstack import PromStack, missing_binaries
from fleettui.store import Store
from fleettui.store.metrics import MetricsStore
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

CPU_REQ, MEM_REQ, SHARE = 0.4, 256 * 2**20, 0.5


def _load_pod(node: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "load", "namespace": "loadtest",
                         "labels": {"app.oam.dev/name": "loader"},
                         "annotations": {"sim.fleettui.io/cpu-utilisation": str(SHARE)}},
            "spec": {"nodeName": node, "containers": [{"name": "main", "image": "busybox:1.36", "resources": {
                "requests": {"cpu": "400m", "memory": "256Mi"}}}]}}


def _expected_requests(sim: Simulator, cluster: str) -> tuple[float, float]:
    cpu = mem = 0.0
    for pod in sim.cluster(cluster).list("pods"):
        if not pod["spec"].get("nodeName") or pod.get("status", {}).get("phase") not in ("Pending", "Running"):
            continue
        for c in pod["spec"]["containers"]:
            r = (c.get("resources") or {}).get("requests") or {}
            cpu += quantity(r.get("cpu", 0)) * 1000
            mem += quantity(r.get("memory", 0))
    return cpu, mem


@pytest.mark.slow
async def test_usage_requests_allocatable_and_one_prometheus_down(tmp_path):
    sim = Simulator(clusters=2, seed="demo")
    await sim.start()
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    a, b = sim.cluster_names
    store = await Store.open(tmp_path / "cache.db")
    refresher = None
    try:
        sim.cluster(a).create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": "loadtest"}})
        node = sim.cluster(a).list("nodes")[0]["metadata"]["name"]
        sim.cluster(a).create("pods", _load_pod(node))
        await sim.advance(25)
        kubeconfig = load_kubeconfig(str(sim.write_kubeconfig(tmp_path / "kubeconfig")))
        report = await FleetSync(store, [Member(n, n, sim.url(n)) for n in (a, b)],
                                 kubeconfig=kubeconfig, timeout=5.0).sync_once()
        assert not report.failed
        await asyncio.sleep(7)  # scrapes covering the rate window (rate() divides by all of it)
        refresher = MetricsRefresher(store, [(a, stack.prometheus[a]), (b, stack.prometheus[b])],
                                     step=1.0, rate_window="5s")
        pulled = await refresher.pull()
        assert sorted(pulled.pulled) == [a, b] and not pulled.failed
        ms = MetricsStore(store)
        ns = {r.name: r for r in await ms.usage("namespace", cluster=a)}["loadtest"]
        assert ns.cpu_req_m == 400 and ns.mem_req_b == MEM_REQ
        # used: the request × the utilisation set on the pod, ±25 % wobble (cpu), ±5 % (memory)
        assert CPU_REQ * SHARE * 1000 * 0.74 <= ns.cpu_used_m <= CPU_REQ * SHARE * 1000 * 1.26
        mem_mean = MEM_REQ * (0.3 + 0.5 * SHARE)
        assert mem_mean * 0.94 <= ns.mem_used_b <= mem_mean * 1.06
        app = {r.name: r for r in await ms.usage("app", cluster=a)}["loader"]
        assert app.cpu_req_m == 400 and app.cpu_used_m == pytest.approx(ns.cpu_used_m)
        cl = (await ms.usage("cluster", cluster=a))[0]
        cpu_req, mem_req = _expected_requests(sim, a)
        assert (cl.cpu_req_m, cl.mem_req_b) == (cpu_req, mem_req)
        nodes = sim.cluster(a).list("nodes")
        assert cl.cpu_alloc_m == sum(quantity(n["status"]["allocatable"]["cpu"]) * 1000 for n in nodes)
        by_node = await ms.usage("node", cluster=a)
        assert cl.cpu_used_m == pytest.approx(sum(n.cpu_used_m for n in by_node))
        assert cl.cpu_used_m > ns.cpu_used_m and len(cl.series) >= 2
        assert cl.series.column("cpu_req")[-1] == cpu_req

        # b's Prometheus goes away: a is refreshed, b named with its error, its last values kept
        before = (await ms.usage("cluster", cluster=b))[0]
        proc = stack.children[b].proc
        proc.kill()
        proc.wait(10)
        again = await refresher.pull()
        assert again.pulled == [a] and list(again.failed) == [b]
        kept = (await ms.usage("cluster", cluster=b))[0]
        assert (kept.cpu_used_m, kept.fetched_at) == (before.cpu_used_m, before.fetched_at)
        src = (await ms.sources())[b]
        assert "unreachable" in src.error and src.fetched_at == before.fetched_at
    finally:
        if refresher:
            refresher.close()
        await store.close()
        await stack.stop()
        await sim.stop()


def _deployment(name: str, replicas: int, annotations: dict, labels: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "loadtest"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name, **(labels or {})}, "annotations": annotations},
                                  "spec": {"containers": [{"name": "main", "image": "busybox:1.36", "resources": {
                                      "requests": {"cpu": "200m", "memory": "128Mi"}}}]}}}}


def _last(values: list) -> float | None:
    """The latest known point (the point of now carries requests only)."""
    return next((v for v in reversed(values) if v is not None), None)


def _restarts(sim: Simulator, cluster: str, prefix: str) -> int:
    return sum(int(cs.get("restartCount") or 0) for p in sim.cluster(cluster).list("pods")
               if p["metadata"]["name"].startswith(prefix) for cs in p["status"].get("containerStatuses") or [])


async def test_workloads_restarts_and_network_summed_by_owner(tmp_path):
    """Prometheus sums per owning object (kube_pod_info's ReplicaSet); the cache says
    which workload and application each is: figures computed from what the test created."""
    sim = Simulator(clusters=1, seed="demo")
    await sim.start()
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    (a,) = sim.cluster_names
    store = await Store.open(tmp_path / "cache.db")
    refresher = None
    try:
        c = sim.cluster(a)
        c.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "loadtest"}})
        c.create("deployments.apps", _deployment("web", 2, {"sim.fleettui.io/cpu-utilisation": str(SHARE)},
                                            {"app.oam.dev/name": "webapp"}))
        c.create("deployments.apps", _deployment("crash", 1, {"sim.fleettui.io/exit-code": "1"}))
        await sim.advance(25)
        await asyncio.sleep(3)  # Prometheus sees the counters before the restarts below
        before = _restarts(sim, a, "crash-")
        await sim.advance(40, step=5)  # the crashing container is restarted after its back-off
        restarted = _restarts(sim, a, "crash-") - before
        assert restarted >= 1
        await asyncio.sleep(8)  # the jump leaves the 5 s rate window
        kubeconfig = load_kubeconfig(str(sim.write_kubeconfig(tmp_path / "kubeconfig")))
        report = await FleetSync(store, [Member(a, a, sim.url(a))], kubeconfig=kubeconfig, timeout=5.0).sync_once()
        assert not report.failed
        refresher = MetricsRefresher(store, [(a, stack.prometheus[a])], step=1.0, rate_window="5s")
        pulled = await refresher.pull()
        assert pulled.pulled == [a], pulled.failed
        ms = MetricsStore(store)
        workloads = {r.name: r for r in await ms.usage("workload", cluster=a)}
        web = workloads["loadtest/Deployment/web"]
        assert (web.cpu_req_m, web.mem_req_b) == (400, 256 * 2**20)
        mean = 2 * 200 * SHARE
        assert mean * 0.74 <= web.cpu_used_m <= mean * 1.26
        rx = 2 * (sim_metrics.NET_BASE_BPS + sim_metrics.NET_BUSY_BPS * SHARE)
        net = _last(web.series.column("net"))
        assert net is not None and rx * (1 + sim_metrics.NET_TX_SHARE) * 0.74 <= net <= rx * 1.6 * 1.26
        app = {r.name: r for r in await ms.usage("app", cluster=a)}["webapp"]
        assert app.cpu_used_m == pytest.approx(web.cpu_used_m) and app.cpu_req_m == 400

        # restarts: each point the increase in its step; over the range they add up to
        # what the kubelet counted (increase() extrapolates at the edges: a margin)
        crash = sum(v or 0 for v in workloads["loadtest/Deployment/crash"].series.column("restarts"))
        assert restarted * 0.5 <= crash <= restarted * 2.0
        ns = {r.name: r for r in await ms.usage("namespace", cluster=a)}["loadtest"]
        assert sum(v or 0 for v in ns.series.column("restarts")) == pytest.approx(crash)
        assert ns.cpu_used_m == pytest.approx(web.cpu_used_m + workloads["loadtest/Deployment/crash"].cpu_used_m)
        cl = (await ms.usage("cluster", cluster=a))[0]
        assert sum(v or 0 for v in cl.series.column("restarts")) >= crash
        assert (_last(cl.series.column("net")) or 0) > net
    finally:
        if refresher:
            refresher.close()
        await store.close()
        await stack.stop()
        await sim.stop()
