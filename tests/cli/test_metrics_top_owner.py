"""`fleettui metrics top --by workload|app` asks Prometheus per owning object (the
kube_pod_info join the dashboard's pull uses), not per pod: counted at the HTTP layer in
front of a real Prometheus scraping the simulator; and its figures are the old per-pod
sums on the same data (both evaluated at one instant)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import yaml
from aiohttp import ClientSession, web

from fleettui.cli.main import main
from fleettui.metrics import inventory as inv
from fleettui.metrics import top
from fleettui.prom import FleetPrometheus, Target
from fleettui.sim import Simulator
from fleettui.sim.promstack import PromStack, missing_binaries
from fleettui.store import Store, inventory_rows

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

CONT = 'container!="",container!="POD"'
# what `metrics top --by workload` asked before: one series per pod, attributed by the CLI
PER_POD = {
    "cpu": f"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{{{CONT}}}[15m]))",
    "memory": f"sum by (namespace, pod) (avg_over_time(container_memory_working_set_bytes{{{CONT}}}[15m]))",
    "restarts": "sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[15m]))",
    "network": "sum by (namespace, pod) (rate(container_network_receive_bytes_total[15m])"
               " + rate(container_network_transmit_bytes_total[15m]))",
}


async def _recording_proxy(upstream: str, seen: list[str]) -> web.AppRunner:
    session = ClientSession()

    async def forward(request: web.Request) -> web.Response:
        form = await request.post() if request.method == "POST" else {}
        query = request.query.get("query") or form.get("query")
        if query:
            seen.append(str(query))
        async with session.request(request.method, upstream + request.path_qs, data=dict(form) or None) as r:
            return web.Response(body=await r.read(), status=r.status, content_type=r.content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    app.on_cleanup.append(lambda _: session.close())
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def _deployment(name: str, replicas: int, labels: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "loadtest", "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "main", "image": "busybox:1.36", "resources": {
                                      "requests": {"cpu": "200m", "memory": "128Mi"}}}]}}}}


def _per_pod_rows(answers, pods: dict[tuple[str, str], str]) -> dict[str, dict[str, float]]:
    """The old attribution: each pod's series added into the workload the cache names."""
    out: dict[str, dict[str, float]] = {}
    for metric, answer in answers.items():
        for s in answer.series():
            m = s["metric"]
            name = pods.get((m.get("namespace", ""), m.get("pod", "")))
            if name:
                row = out.setdefault(name, {})
                row[metric] = row.get(metric, 0.0) + float(s["value"][1])
    return out


@pytest.mark.slow
async def test_top_by_workload_asks_per_owner_and_adds_up_as_per_pod(tmp_path, capsys):
    sim = Simulator(clusters=1, seed="demo")
    await sim.start()
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    (a,) = sim.cluster_names
    seen: list[str] = []
    proxy = await _recording_proxy(stack.prometheus[a], seen)
    port = proxy.addresses[0][1]
    try:
        c = sim.cluster(a)  # a Deployment a KubeVela application placed (the seed has none)
        c.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "loadtest"}})
        c.create("deployments.apps", _deployment("web", 2, {"app.oam.dev/name": "webapp"}))
        await sim.advance(25)
        await asyncio.sleep(3)  # a few scrapes
        kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
        fleet = tmp_path / "fleet.yaml"
        fleet.write_text(yaml.safe_dump({"clusters": {a: {"prometheus": f"http://127.0.0.1:{port}"}}}))
        common = ["--kubeconfig", str(kubeconfig), "--fleet", str(fleet), "--cache", str(tmp_path / "c.db")]
        assert await asyncio.to_thread(main, ["sync", "--once", *common]) == 0
        capsys.readouterr()

        for by in ("workload", "app"):
            seen.clear()
            rc = await asyncio.to_thread(main, ["metrics", "top", "--by", by, "--range", "15m", "--limit", "500",
                                                "-o", "json", *common])
            out, err = capsys.readouterr()
            assert rc == 0, err
            assert len(seen) == 4, seen  # cpu, memory, restarts, network: one request each
            for q in seen:
                assert "kube_pod_info" in q and "created_by_name" in q, q
                assert not q.startswith("sum by (namespace, pod)"), q
            names = {i["name"] for i in json.loads(out)["items"]}
            assert names, out
            if by == "workload":
                assert all(n.count("/") == 2 for n in names), names  # ns/Kind/name
                assert "loadtest/Deployment/web" in names
            else:
                assert names == {"webapp"}

        # the same figures as the per-pod sums, on the same data at one instant
        store = await Store.open(tmp_path / "c.db")
        try:
            figures = await inv.read(store, a)
            pods = {(r[0], r[1]): inv.workload_name(r[0], r[7]) for r in await inventory_rows.pod_facts(store, a)
                    if r[7]}
        finally:
            await store.close()
        fleet_prom = FleetPrometheus([Target(a, stack.prometheus[a])], timeout=10.0)
        at = datetime.now(UTC)
        try:
            new_q = {k: v for k, v in top.queries("workload", "15m").items() if k in PER_POD}
            new = dict(zip(new_q, await asyncio.gather(*(fleet_prom.query(q, at=at) for q in new_q.values())),
                           strict=True))
            old = dict(zip(PER_POD, await asyncio.gather(*(fleet_prom.query(q, at=at) for q in PER_POD.values())),
                           strict=True))
        finally:
            fleet_prom.close()
        rows = {r.name: r.values for r in top.top("workload", new, owners={a: figures.owners}, limit=10_000)}
        expected = _per_pod_rows(old, pods)
        assert set(rows) == set(expected) and len(rows) >= 5
        assert sum(v.get("cpu", 0.0) for v in rows.values()) > 0
        for name, values in expected.items():
            for metric, value in values.items():
                assert rows[name].get(metric, 0.0) == pytest.approx(value, rel=1e-9, abs=1e-9), (name, metric)
    finally:
        await proxy.cleanup()
        await stack.stop()
        await sim.stop()
