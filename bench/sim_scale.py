"""Benchmark (issue 2, item 7): one simulator process serving 100 clusters.

Starts `fleettui sim --clusters N` as a child process (so its RSS is its own),
waits until the controllers have brought the fleet up, then reports:

- start-up: time to the `ready` line and until ~all pods run;
- RSS of the simulator process once settled (target < 1.5 GiB), and its peak;
- idle CPU: the simulator's CPU share while nothing changes (event-driven
  controllers: idle clusters should cost ~nothing);
- list requests/s: concurrent `list pods --all-namespaces` (~120 pods each)
  across all clusters through kubernetes_asyncio;
- watch events/s: one pod watch per cluster, then deployments scaled up and
  back down in every cluster; events received per second of the churn (paced
  by the simulated kubelets, so a lower bound); and a burst: ConfigMaps patched
  as fast as the clients can, events/s from first patch to last event.

    .venv/bin/python -m bench.sim_scale [--clusters 100] [--seconds 10] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RSS_TARGET_GIB = 1.5
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of `pid` in bytes, from /proc."""
    cur = peak = 0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    return cur, peak


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_simulator(clusters: int, workdir: Path) -> tuple[subprocess.Popen[str], str, Path, float]:
    kubeconfig = workdir / "kubeconfig"
    cmd = [sys.executable, "-m", "fleettui.cli.main", "sim", "--clusters", str(clusters),
           "--kubeconfig", str(kubeconfig), "--port", "0", "--seed", "demo"]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("ready "):
        err = proc.stderr.read() if proc.stderr else ""
        proc.kill()
        raise SystemExit(f"simulator did not start: {line!r} {err[-2000:]}")
    _, base_url, _ = line.split()
    return proc, base_url, kubeconfig, time.monotonic() - t0


async def clients(kubeconfig: Path, names: list[str]) -> dict:
    from kubernetes_asyncio import config

    out = {}
    for name in names:
        out[name] = await config.new_client_from_config(config_file=str(kubeconfig), context=name)
    return out


async def wait_settled(apis: dict, expected: int, limit: float) -> tuple[float, int]:
    """Poll until at least 97% of the expected pods run (the demo keeps a few unhealthy)."""
    from kubernetes_asyncio import client

    t0 = time.monotonic()
    running = 0
    while time.monotonic() - t0 < limit:
        resps = await asyncio.gather(*(client.CoreV1Api(api).list_pod_for_all_namespaces(_preload_content=False)
                                       for api in apis.values()))
        lists = [json.loads(await r.read())["items"] for r in resps]
        running = sum(1 for lst in lists for p in lst if p["status"].get("phase") in ("Running", "Succeeded"))
        if running >= 0.97 * expected:
            break
        await asyncio.sleep(2)
    return time.monotonic() - t0, running


async def wait_quiet(pid: int, limit: float = 90.0) -> float:
    """Wait until the simulator's CPU share over 2 s drops below 10% (start-up work done)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        c0 = cpu_seconds(pid)
        await asyncio.sleep(2)
        if (cpu_seconds(pid) - c0) / 2 < 0.10:
            break
    return time.monotonic() - t0


async def list_rate(apis: dict, seconds: float, concurrency: int, *, typed: bool) -> tuple[float, int]:
    """Lists/s; `typed` builds kubernetes_asyncio's model objects (client-side CPU dominates),
    otherwise the JSON is read raw (_preload_content=False), which measures the server."""
    from kubernetes_asyncio import client

    names = list(apis)
    deadline = time.monotonic() + seconds
    count = 0
    items = 0

    async def worker(i: int) -> None:
        nonlocal count, items
        rng = random.Random(i)
        while time.monotonic() < deadline:
            api = client.CoreV1Api(apis[rng.choice(names)])
            if typed:
                lst = await api.list_pod_for_all_namespaces()
                n = len(lst.items)
            else:
                resp = await api.list_pod_for_all_namespaces(_preload_content=False)
                n = len(json.loads(await resp.read())["items"])
            count += 1
            items += n

    t0 = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.monotonic() - t0
    return count / elapsed, items // max(count, 1)


async def watch_rate(apis: dict, seconds: float) -> tuple[float, int, float]:
    """Events/s received by one pod watch per cluster while every cluster scales deployments."""
    from kubernetes_asyncio import client, watch

    received = 0
    per_second: dict[int, int] = {}
    t_start = time.monotonic()
    stop = asyncio.Event()

    async def watcher(api) -> None:
        nonlocal received
        core = client.CoreV1Api(api)
        rv = (await core.list_pod_for_all_namespaces(limit=1)).metadata.resource_version
        w = watch.Watch()
        try:
            async for _ev in w.stream(core.list_pod_for_all_namespaces, resource_version=rv,
                                      timeout_seconds=int(seconds) + 30):
                received += 1
                second = int(time.monotonic() - t_start)
                per_second[second] = per_second.get(second, 0) + 1
                if stop.is_set():
                    break
        except asyncio.CancelledError:
            pass
        finally:
            w.stop()

    tasks = [asyncio.create_task(watcher(api)) for api in apis.values()]
    await asyncio.sleep(2)  # let every watch establish
    received = 0
    per_second.clear()
    t_start = time.monotonic()
    targets = ["cart", "catalog", "checkout", "search", "inventory"]

    async def scale(api, replicas_delta: int) -> int:
        apps = client.AppsV1Api(api)
        done = 0
        for name in targets:
            d = await apps.read_namespaced_deployment(name, "shop")
            await apps.patch_namespaced_deployment_scale(
                name, "shop", {"spec": {"replicas": max(d.spec.replicas + replicas_delta, 0)}})
            done += 1
        return done

    patched = sum(await asyncio.gather(*(scale(api, +2) for api in apis.values())))
    await asyncio.sleep(seconds / 2)
    patched += sum(await asyncio.gather(*(scale(api, -2) for api in apis.values())))
    await asyncio.sleep(seconds / 2)
    elapsed = time.monotonic() - t_start
    total = received
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    peak = max(per_second.values(), default=0)
    return total / elapsed, patched, float(peak)


async def watch_burst(apis: dict, patches_per_cluster: int, concurrency: int) -> tuple[float, int, int]:
    """Delivery capacity: one ConfigMap watch per cluster while ConfigMaps are patched as fast
    as `concurrency` clients can; events/s from the first patch to the last event received."""
    from kubernetes_asyncio import client, watch

    expected = patches_per_cluster * len(apis)
    received = 0
    done = asyncio.Event()

    async def watcher(api) -> None:
        nonlocal received
        core = client.CoreV1Api(api)
        rv = (await core.list_namespaced_config_map("shop", limit=1)).metadata.resource_version
        w = watch.Watch()
        try:
            async for _ev in w.stream(core.list_namespaced_config_map, "shop", resource_version=rv,
                                      timeout_seconds=120, _preload_content=True):
                received += 1
                if received >= expected:
                    done.set()
        except asyncio.CancelledError:
            pass
        finally:
            w.stop()

    tasks = [asyncio.create_task(watcher(api)) for api in apis.values()]
    await asyncio.sleep(2)
    work = [(api, i) for api in apis.values() for i in range(patches_per_cluster)]
    queue: asyncio.Queue = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)

    async def patcher() -> None:
        while not queue.empty():
            api, i = queue.get_nowait()
            await client.CoreV1Api(api).patch_namespaced_config_map(
                "storefront-config", "shop", {"data": {"BENCH": str(i)}}, _preload_content=False)

    t0 = time.monotonic()
    await asyncio.gather(*(patcher() for _ in range(concurrency)))
    try:
        await asyncio.wait_for(done.wait(), 60)
    except TimeoutError:
        pass
    elapsed = time.monotonic() - t0
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return received / elapsed, received, expected


async def measure(proc: subprocess.Popen[str], kubeconfig: Path, args: argparse.Namespace) -> int:
    from fleettui.config.kubeconfig import load_kubeconfig

    names = [c.name for c in load_kubeconfig(str(kubeconfig)).contexts if c.name != "hub"]
    apis = await clients(kubeconfig, names)
    try:
        settle, running = await wait_settled(apis, expected=120 * len(names), limit=240)
        print(f"settled: {running} pods running/completed after {settle:.1f}s more", flush=True)
        quiet_after = await wait_quiet(proc.pid)
        print(f"controllers quiet (< 10% CPU) {quiet_after:.1f}s later", flush=True)
        cur, peak = rss_bytes(proc.pid)
        gib = cur / 2**30
        verdict = "ok" if gib < RSS_TARGET_GIB else "OVER TARGET"
        print(f"simulator RSS: {gib:.2f} GiB (peak {peak / 2**30:.2f} GiB; target < {RSS_TARGET_GIB} GiB: {verdict})")
        c0 = cpu_seconds(proc.pid)
        await asyncio.sleep(args.seconds)
        idle = (cpu_seconds(proc.pid) - c0) / args.seconds
        print(f"idle CPU of the simulator: {idle * 100:.1f}% of one core ({len(names)} clusters, heartbeats only)")
        rate, per = await list_rate(apis, args.seconds, args.concurrency, typed=False)
        print(f"list pods -A: {rate:.0f} requests/s, raw JSON ({per} pods per list, concurrency {args.concurrency})")
        rate, per = await list_rate(apis, args.seconds, args.concurrency, typed=True)
        print(f"list pods -A: {rate:.0f} requests/s, kubernetes_asyncio models (client CPU bound)")
        ev_rate, patched, peak_rate = await watch_rate(apis, args.seconds)
        print(f"watch: {ev_rate:.0f} events/s received over {len(names)} pod watches "
              f"(peak {peak_rate:.0f}/s) while {patched} scale patches rolled pods up and down")
        burst, got, want = await watch_burst(apis, 20, args.concurrency)
        print(f"watch burst: {burst:.0f} events/s end to end ({got}/{want} ConfigMap patch events "
              f"delivered to {len(names)} watches)")
        cur, peak = rss_bytes(proc.pid)
        print(f"simulator RSS after load: {cur / 2**30:.2f} GiB (peak {peak / 2**30:.2f} GiB)")
        return 0 if gib < RSS_TARGET_GIB else 1
    finally:
        for api in apis.values():
            await api.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fleettui-bench-") as tmp:
        proc, base_url, kubeconfig, started = start_simulator(args.clusters, Path(tmp))
        print(f"simulator: {args.clusters} clusters ready in {started:.1f}s at {base_url} (pid {proc.pid})",
              flush=True)
        try:
            return asyncio.run(measure(proc, kubeconfig, args))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main())
