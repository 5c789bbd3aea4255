"""The real `fleettui` command in subprocesses against the simulator: crash safety
(kill -9 mid-rollout, a later process continues without re-applying finished work
and without losing the gate), read-only refusal, bad files, status output."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys

import pytest
from engine.conftest import EXAMPLES

from fleettui.store import Store
from fleettui.store.apps import AppStore


async def cli(sim, kubeconfig, cache, *args, advance: bool = True, wait: bool = True):
    """Run fleettui; while it runs, move the simulated clusters forward (rollouts progress)."""
    env = {**os.environ, "FLEETTUI_LEASE_TTL": "2", "XDG_CONFIG_HOME": str(cache.parent / "cfg"),
           "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleettui.cli.main", "--kubeconfig", str(kubeconfig), "--cache", str(cache), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    if not wait:
        return proc

    async def drive() -> None:
        while True:
            await asyncio.sleep(0.2)
            await sim.advance(2.0, step=1.0)

    driver = asyncio.create_task(drive()) if advance else None
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 90)
    finally:
        if driver:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await driver
    return proc.returncode, out.decode(), err.decode()


async def read_app(cache, ns, name):
    store = await Store.open(cache)
    try:
        records = AppStore(store)
        return await records.get_app(ns, name), await records.placements(ns, name, with_manifests=False)
    finally:
        await store.close()


async def test_kill_mid_rollout_then_continue(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    proc = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(EXAMPLES / "canary.yaml"), wait=False)
    # once it has stored the application (first line out), wait until the canary cluster has
    # its placement applied; the rollout cannot become ready (the clock is frozen)
    first = await asyncio.wait_for(proc.stdout.readline(), 60)
    assert b"created" in first
    for _ in range(300):
        await asyncio.sleep(0.1)
        if cache.exists():
            rec, placements = await read_app(cache, "shop", "orders-api")
            if any(p.cluster == "ack-hangzhou-a" and p.state == "applied" for p in placements):
                break
    else:
        proc.kill()
        out, err = await proc.communicate()
        pytest.fail(f"the canary placement was never applied: {out.decode()} {err.decode()[-2000:]} {rec} {placements} {list(tmp_path.iterdir())}")
    assert proc.returncode is None, "fleettui should still be waiting for the canary to become healthy"
    proc.kill()  # SIGKILL: no cleanup, the lease is left behind
    await proc.wait()
    rec, _ = await read_app(cache, "shop", "orders-api")
    steps = {s["name"]: s["phase"] for s in rec.status["workflow"]["steps"]}
    assert steps == {"deploy-canary": "running", "gate": "pending", "deploy-rest": "pending"}
    assert rec.lease_owner is not None
    canary_writes = sim.mutations("ack-hangzhou-a")
    await sim.advance(20)
    await asyncio.sleep(2.1)  # the dead process's lease expires

    code, out, err = await cli(sim, kubeconfig_path, cache, "controller", "--once")
    assert code == 0, err
    rec, _ = await read_app(cache, "shop", "orders-api")
    steps = {s["name"]: s["phase"] for s in rec.status["workflow"]["steps"]}
    assert steps == {"deploy-canary": "succeeded", "gate": "suspending", "deploy-rest": "pending"}
    assert sim.mutations("ack-hangzhou-a") == canary_writes  # nothing re-applied
    assert sim.mutations("idc-beijing") == 0

    code, out, err = await cli(sim, kubeconfig_path, cache, "controller", "--once")
    rec, _ = await read_app(cache, "shop", "orders-api")
    assert rec.phase == "workflowSuspending" and sim.mutations("idc-beijing") == 0  # the gate holds

    code, out, err = await cli(sim, kubeconfig_path, cache, "workflow", "resume", "orders-api", "-n", "shop")
    assert code == 0, err
    assert "Successfully resume workflow orders-api" in out and "phase: running" in out
    assert sim.cluster("idc-beijing").get("deployments.apps", "shop", "orders-api") is not None

    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "status", "orders-api", "-n", "shop",
                               "-o", "json", advance=False)
    data = json.loads(out)
    assert data["application"]["status"]["status"] == "running"
    assert {r["cluster"] for r in data["resources"]} == set(sim.cluster_names)
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "list", advance=False)
    assert "orders-api" in out and "running" in out and "3/3" in out


async def test_read_only_and_bad_files(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    code, out, err = await cli(sim, kubeconfig_path, cache, "--read-only", "app", "apply", "-f",
                               str(EXAMPLES / "canary.yaml"), advance=False)
    assert code == 1 and "read-only" in err
    bad = tmp_path / "bad.yaml"
    text = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: x\nspec: []\n"
    bad.write_text(text)
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(bad), advance=False)
    assert code == 1 and "invalid YAML" in err and "bad.yaml" in err
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text((EXAMPLES / "canary.yaml").read_text().replace("type: k8s-objects", "type: helm"))
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(unknown), advance=False)
    assert code == 1 and "spec.components[0].type" in err and "helm" in err
    assert bad.read_text() == text
    assert sim.mutations() == 0


async def test_cli_against_a_kubernetes_hub(sim, kubeconfig_path, tmp_path):
    cache = tmp_path / "cache.db"
    sim.cluster("hub").create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "platform"}})
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "apply", "-f", str(EXAMPLES / "replication.yaml"),
                               "--hub", "hub", advance=False)
    assert code == 0, err
    assert "application.core.oam.dev/node-agent created (hub hub)" in out
    assert sim.cluster("hub").get("applications.core.oam.dev", "platform", "node-agent") is not None
    code, out, err = await cli(sim, kubeconfig_path, cache, "controller", "--hub", "hub", "--once")
    assert code == 0, err
    code, out, err = await cli(sim, kubeconfig_path, cache, "app", "list", "--hub", "hub", "-o", "json",
                               advance=False)
    [item] = json.loads(out)["items"]
    assert item["name"] == "node-agent" and item["hub"] == "hub" and item["revision"] == "node-agent-v1"
    assert sim.mutations("idc-beijing") > 0  # the controller placed it on the members
