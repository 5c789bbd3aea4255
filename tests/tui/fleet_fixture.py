"""A deterministic fleet written straight into a store, with a frozen clock.

Shaped like the simulator's demo seed (same cluster names, providers and
regions) so the snapshots look like the demo, but built from summary rows so
every snapshot is byte-for-byte stable: one cluster unreachable (stale for
7 minutes), one with a NotReady node, a few workloads stuck on `nginx:broken`.
"""

from __future__ import annotations

import random
from pathlib import Path

from fleettui.store import Store

FROZEN_NOW = 1_790_000_000.0  # 2026-09-21T14:13:20Z

DEMO_CLUSTERS = [
    # name, provider, region, zones, version, nodes
    ("ack-hangzhou-a", "ack", "cn-hangzhou", ["cn-hangzhou-h"], "v1.31.1", 4),
    ("ack-hangzhou-b", "ack", "cn-hangzhou", ["cn-hangzhou-i"], "v1.31.1", 3),
    ("ack-hangzhou-c", "ack", "cn-hangzhou", ["cn-hangzhou-j"], "v1.30.4", 3),
    ("ack-shanghai-a", "ack", "cn-shanghai", ["cn-shanghai-e"], "v1.31.1", 5),
    ("ack-shanghai-b", "ack", "cn-shanghai", ["cn-shanghai-f"], "v1.31.1", 3),
    ("eks-us-west-2", "eks", "us-west-2", ["us-west-2a"], "v1.30.6", 4),
    ("idc-beijing", "idc", "beijing", ["bj-dc1"], "v1.29.9", 6),
    ("edge-shenzhen", "edge", "shenzhen", ["sz-edge-1"], "v1.29.9", 2),
]

APPS = [
    ("shop", ["frontend", "cart", "checkout"]),
    ("payments", ["api", "ledger"]),
    ("monitoring", ["prometheus", "grafana"]),
]


def _clusters(count: int) -> list[tuple[str, str, str, list[str], str, int]]:
    if count <= len(DEMO_CLUSTERS):
        return DEMO_CLUSTERS[:count]
    out = list(DEMO_CLUSTERS)
    for i in range(len(DEMO_CLUSTERS), count):
        region = ["cn-hangzhou", "cn-shanghai", "us-west-2", "eu-central-1"][i % 4]
        out.append((f"member-{i:03d}", "ack", region, [f"{region}-{'abc'[i % 3]}"], "v1.31.1", 4))
    return out


class FixtureClock:
    """The store's clock; the fixture moves it to say *when* a probe happened."""

    def __init__(self, now: float = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def fill_store(store: Store, clock: FixtureClock, *, clusters: int = 8,
                     workloads_per_app: int = 1, seed: int = 7) -> None:
    """Write a whole fleet through the store's writer (the same path the sync uses)."""
    rng = random.Random(seed)
    w = store.writer
    for idx, (name, provider, region, zones, version, n_nodes) in enumerate(_clusters(clusters)):
        w.put_cluster(name, context=name, server=f"https://127.0.0.1:6443/clusters/{name}",
                      provider=provider, region=region, zone=zones[0],
                      labels={"env": "prod" if idx % 3 else "staging"})
        nodes = []
        for n in range(n_nodes):
            ready = not (name == "ack-shanghai-b" and n == 2)
            nodes.append({
                "name": f"{name}-node-{n}", "health": "healthy" if ready else "unhealthy",
                "message": "" if ready else "KubeletNotReady: container runtime is down",
                "phase": "Ready" if ready else "NotReady", "ready": 1 if ready else 0,
                "desired": 1, "cpu_m": 8000, "mem_b": 32 << 30, "version": version,
                "roles": ["worker"] if n else ["control-plane"], "zone": zones[n % len(zones)],
                "region": region, "provider": provider,
            })
        w.replace(name, "Node", nodes)
        namespaces = [{"name": ns, "phase": "Active", "health": "healthy"}
                      for ns in ["default", "kube-system", *(a for a, _ in APPS)]]
        w.replace(name, "Namespace", namespaces)
        deployments, pods, events = [], [], []
        for ns, comps in APPS:
            for comp in comps:
                for k in range(workloads_per_app):
                    wname = comp if k == 0 else f"{comp}-{k}"
                    replicas = 1 + rng.randrange(3)
                    broken = (ns, comp, k) == ("shop", "checkout", 0) and idx in (1, 4)
                    ready = 0 if broken else replicas
                    deployments.append({
                        "namespace": ns, "name": wname, "ready": ready, "desired": replicas,
                        "health": "unhealthy" if broken else "healthy",
                        "message": f"0 of {replicas} ready: ImagePullBackOff" if broken else "",
                        "images": [f"nginx:{'broken' if broken else '1.27'}"],
                    })
                    for r in range(replicas):
                        pods.append({
                            "namespace": ns, "name": f"{wname}-7d9f{r}", "phase": "Pending" if broken else "Running",
                            "ready": 0 if broken else 1, "desired": 1, "node": f"{name}-node-{r % n_nodes}",
                            "health": "unhealthy" if broken else "healthy",
                            "reason": "ImagePullBackOff" if broken else None,
                            "cpu_m": 250 * (1 + rng.randrange(4)), "mem_b": (256 << 20) * (1 + rng.randrange(4)),
                        })
                    if broken:
                        events.append({
                            "namespace": ns, "name": f"{wname}-7d9f0.17f3a", "message":
                            'Failed to pull image "nginx:broken": manifest unknown',
                            "reason": "Failed", "type": "Warning", "involved_kind": "Pod",
                            "involved_name": f"{wname}-7d9f0", "count": 12, "ts": FROZEN_NOW - 95,
                            "health": "unhealthy",
                        })
        if name == "ack-shanghai-b":
            events.append({
                "namespace": "", "name": f"{name}-node-2.17f3b", "message": "Node is not ready",
                "reason": "NodeNotReady", "type": "Warning", "involved_kind": "Node",
                "involved_name": f"{name}-node-2", "count": 1, "ts": FROZEN_NOW - 600,
                "health": "unhealthy",
            })
        w.replace(name, "Deployment", deployments)
        w.replace(name, "Pod", pods)
        w.replace(name, "Event", events)
        # edge-shenzhen last answered 7 minutes ago; every later probe failed
        clock.now = FROZEN_NOW - 420 if name == "edge-shenzhen" else FROZEN_NOW - 2
        w.probe(name, reachable=True, version=version, latency_ms=12.0 + idx)
        await w.flush()
    clock.now = FROZEN_NOW
    if clusters >= 8:
        w.probe("edge-shenzhen", reachable=False,
                error="dial tcp 10.8.0.7:6443: connect: connection refused")
    w.set_meta("last_sync", str(FROZEN_NOW - 3))
    await w.flush()


async def fixture_store(path: Path, **kwargs) -> Store:
    clock = FixtureClock()
    store = await Store.open(path, clock=clock)
    await fill_store(store, clock, **kwargs)
    return store
