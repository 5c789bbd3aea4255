"""Kube layer throughput: list the inventory kinds of N simulated clusters.

Compares fleettui's ClusterClient (raw JSON over kubernetes_asyncio's transport)
with kubernetes_asyncio's typed API (`CoreV1Api.list_pod_for_all_namespaces`
etc.), which is why the kube layer does not use the typed models; and times
member discovery on the hub (ManagedClusters + KubeVela secrets).

    .venv/bin/python -m bench.kube_client [--clusters 20] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

KINDS = (
    ("v1", "Node"),
    ("v1", "Pod"),
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "Namespace"),
)


async def raw_lists(kc, contexts, concurrency: int) -> int:
    from fleettui.kube import ClusterClient

    gate = asyncio.Semaphore(concurrency)

    async def one(ctx: str) -> int:
        async with ClusterClient.from_kubeconfig(kc, context=ctx, read_only=True) as c:
            n = 0
            for api_version, kind in KINDS:
                async with gate:
                    n += len((await c.list(await c.resource(api_version, kind))).items)
            return n

    return sum(await asyncio.gather(*(one(c) for c in contexts)))


async def typed_lists(kc, contexts, concurrency: int) -> int:
    from kubernetes_asyncio import client as k8s
    from kubernetes_asyncio.config import new_client_from_config_dict

    gate = asyncio.Semaphore(concurrency)

    async def one(ctx: str) -> int:
        api = await new_client_from_config_dict(kc.as_dict(current_context=ctx), context=ctx)
        try:
            core, apps = k8s.CoreV1Api(api), k8s.AppsV1Api(api)
            n = 0
            for call in (
                core.list_node,
                core.list_pod_for_all_namespaces,
                apps.list_deployment_for_all_namespaces,
                core.list_service_for_all_namespaces,
                core.list_namespace,
            ):
                async with gate:
                    n += len((await call()).items)
            return n
        finally:
            await api.close()

    return sum(await asyncio.gather(*(one(c) for c in contexts)))


async def discovery(kc) -> tuple[float, int]:
    from fleettui.sync.discovery import discover_members

    t0 = time.monotonic()
    members = await discover_members(kc, None, None, read_only=True, hub_context="hub")
    return time.monotonic() - t0, len(members)


async def measure(kubeconfig: Path, concurrency: int) -> None:
    from fleettui.config.kubeconfig import load_kubeconfig

    kc = load_kubeconfig(str(kubeconfig))
    contexts = [c.name for c in kc.contexts if c.name != "hub"]
    # Alternate, twice each: the first round also warms the simulator up.
    for label, fn in (
        ("fleettui ClusterClient (raw JSON)", raw_lists),
        ("kubernetes_asyncio typed models", typed_lists),
    ) * 2:
        t0 = time.monotonic()
        n = await fn(kc, contexts, concurrency)
        dt = time.monotonic() - t0
        print(
            f"{label:36s} {n:7d} objects from {len(contexts)} clusters in {dt:6.2f}s "
            f"= {n / dt:8.0f} objects/s",
            flush=True,
        )
    dt, count = await discovery(kc)
    print(f"member discovery with hub (OCM + vela)  {count} members in {dt:.2f}s", flush=True)


def main() -> None:
    from bench.sync_full import simulator

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clusters", type=int, default=20)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator(args.clusters, Path(tmp)) as (_, kubeconfig),
    ):
        asyncio.run(measure(kubeconfig, args.concurrency))


if __name__ == "__main__":
    main()
