"""Alerts across a fleet of Prometheus servers: (1) one alert refresh (every target's
`/api/v1/alerts` plus the Alertmanager's `/api/v2/alerts`, merged and written to the
cache) — target <= 1 s for 20 clusters; (2) `rules preview` of a 10-rule set (the
backtest: one `query_range` per distinct expression × cluster, then the for /
keep_firing_for state machine) — target <= 5 s over 6 h on 20 clusters.

Twenty real Prometheus processes are more than a shared 2-core machine should carry
next to other work, so `--servers` real ones (a simulated cluster each, the demo seed,
one Alertmanager) stand behind `--targets` targets, target i asking server i % servers:
the fan-out, the thread pool, the HTTP and JSON costs and the cache writes are the
real ones for 20; each server answers 20/servers times as often. The preview asks
for `--window` (default 6h) at the group interval 30s (720 steps, prometheus-operator's
default evaluation interval); the servers only hold what they scraped since the bench
started, so the steps before that evaluate on empty data (said in the output).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from fleettui.alerts import live, rulesets
from fleettui.alerts.alertmanager import Alertmanager
from fleettui.alerts.promql import duration_seconds
from fleettui.alerts.sync import AlertRefresher
from fleettui.engine.render import MemberCluster
from fleettui.prom import FleetPrometheus, Target
from fleettui.sim import Simulator
from fleettui.sim.promstack import PromStack, missing_binaries
from fleettui.store import Store
from fleettui.store.alerts import AlertStore

_parser = argparse.ArgumentParser(description=__doc__)
_parser.add_argument("--servers", type=int, default=4)
_parser.add_argument("--targets", type=int, default=20)
_parser.add_argument("--window", default="6h")
_parser.add_argument("--settle", type=float, default=20.0, help="seconds of scraping before measuring")
_args = _parser.parse_args()

RULES = [  # ten alerting rules over the series the simulated exporters serve
    ("Watchdog", "vector(1)", None),
    ("KubePodPending", 'kube_pod_status_unschedulable{job="kube-state-metrics"} == 1', "1m"),
    ("KubeNodeNotReady", 'kube_node_status_condition{condition="Ready",status="true"} == 0', "2m"),
    ("KubePodCrashLooping", "increase(kube_pod_container_status_restarts_total[1m]) > 0", "1m"),
    ("KubeImagePull", 'kube_pod_container_status_waiting_reason{reason=~"ErrImagePull|ImagePullBackOff"} == 1',
     "2m"),
    ("KubeDeploymentUnavailable", "kube_deployment_status_replicas_unavailable > 0", "5m"),
    ("KubeDeploymentMismatch", "kube_deployment_spec_replicas != kube_deployment_status_replicas_available", "5m"),
    ("ContainerCPUHigh", "sum by (namespace, pod) (rate(container_cpu_usage_seconds_total[1m])) > 0.2", "2m"),
    ("ContainerMemoryHigh", "container_memory_working_set_bytes > 5e8", "5m"),
    ("NodeCPUBusy", 'avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[1m])) < 0.5', "5m"),
]


def rule_set() -> dict:
    rules = [{"alert": name, "expr": expr, **({"for": f} if f else {}), "labels": {"severity": "warning"}}
             for name, expr, f in RULES]
    return {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
            "metadata": {"name": "bench-rules", "namespace": "monitoring"},
            "spec": {"groups": [{"name": "bench.rules", "interval": "30s", "rules": rules}]}}


def load_rules(sim: Simulator) -> None:
    for name in sim.cluster_names:
        cluster = sim.cluster(name)
        if cluster.get("namespaces", None, "monitoring") is None:
            cluster.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}})
        cluster.create("prometheusrules.monitoring.coreos.com", rule_set())


async def main() -> None:
    why = missing_binaries()
    if why:
        raise SystemExit(f"skipped: {why}")
    sim = Simulator(clusters=_args.servers, seed="demo", clock_speed=1.0, rng_seed=0)
    await sim.start(host="127.0.0.1", port=0)
    stack = PromStack(sim, scrape_interval=5.0)
    tmp = Path(tempfile.mkdtemp(prefix="fleettui-bench-"))
    store = await Store.open(tmp / "cache.db")
    try:
        await stack.start()
        load_rules(sim)
        await stack.sync()
        await asyncio.sleep(_args.settle)
        servers = list(stack.prometheus.values())
        targets = [Target(f"c{i:03d}", servers[i % len(servers)]) for i in range(_args.targets)]
        prom = FleetPrometheus(targets)
        refresher = AlertRefresher(store, prom, Alertmanager(stack.alertmanager))
        times = []
        for _ in range(7):
            started = time.perf_counter()
            report = await refresher.refresh_once()
            times.append(time.perf_counter() - started)
        n = len(await AlertStore(store).alerts())
        print(f"alerts refresh: {_args.targets} targets on {len(servers)} real Prometheus + 1 Alertmanager, "
              f"{n} alerts cached, errors {len(report.errors)}: median {statistics.median(times):.3f}s, "
              f"max {max(times):.3f}s (target <= 1 s)")

        (rs,) = rulesets.load(yaml.safe_dump(rule_set()), source="bench")
        variants = rulesets.variants(rs, [MemberCluster(t.cluster, {}) for t in targets])
        window = duration_seconds(_args.window)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            facts = await live.server_facts(prom, [t.cluster for t in targets])
            rows = await live.preview(prom, variants, facts, window=window)
            times.append(time.perf_counter() - started)
        errors = [r.error for r in rows if r.error]
        oldest = min((f.oldest for f in facts.values() if f.oldest), default=None)
        held = f"{time.time() - oldest:.0f}s" if oldest else "?"
        print(f"rules preview: {len(RULES)} rules x {_args.targets} targets over {_args.window} at 30s steps "
              f"({len(rows)} rule previews, {len(errors)} errors; data held: {held}): "
              f"median {statistics.median(times):.3f}s, max {max(times):.3f}s (target <= 5 s)")
        prom.close()
    finally:
        await store.close()
        await stack.stop()
        await sim.stop()


if __name__ == "__main__":
    asyncio.run(main())
