"""Faults per cluster (Python API and admin endpoint), request counting, the sim command."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from fleettui.sim import Simulator


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, dict]:
    async with session.get(url) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_down_503_error_rate_and_forbidden(sim: Simulator):
    a, b = sim.cluster_names[:2]
    async with aiohttp.ClientSession() as s:
        sim.faults.set(a, down="503")
        status, body = await _get(s, sim.url(a) + "/api/v1/namespaces")
        assert (status, body["reason"]) == (503, "ServiceUnavailable")
        status, _ = await _get(s, sim.url(b) + "/api/v1/namespaces")
        assert status == 200  # faults are per cluster
        sim.faults.set(a, error_rate=1.0)  # replaces the whole fault: no longer down
        status, body = await _get(s, sim.url(a) + "/api/v1/namespaces")
        assert (status, body["reason"]) == (500, "InternalError")
        sim.faults.set(a, forbidden=True)
        status, body = await _get(s, sim.url(a) + "/api/v1/namespaces/default/pods")
        assert (status, body["reason"]) == (403, "Forbidden")
        assert 'cannot list resource "pods"' in body["message"]
        status, _ = await _get(s, sim.url(a) + "/api/v1")
        assert status == 200  # discovery stays open, as with RBAC
        sim.faults.clear(a)
        status, _ = await _get(s, sim.url(a) + "/api/v1/namespaces")
        assert status == 200


async def test_error_rate_is_a_share(sim: Simulator):
    name = sim.cluster_names[0]
    sim.faults.set(name, error_rate=0.5)
    codes = []
    async with aiohttp.ClientSession() as s:
        for _ in range(60):
            status, _ = await _get(s, sim.url(name) + "/version")
            codes.append(status)
    assert 10 < codes.count(500) < 50 and set(codes) == {200, 500}


async def test_latency(sim: Simulator):
    name = sim.cluster_names[0]
    sim.faults.set(name, latency=0.3)
    async with aiohttp.ClientSession() as s:
        t0 = time.monotonic()
        await _get(s, sim.url(name) + "/version")
        assert time.monotonic() - t0 >= 0.3
        t0 = time.monotonic()
        await _get(s, sim.url(sim.cluster_names[1]) + "/version")
        assert time.monotonic() - t0 < 0.3


async def test_refuse_resets_the_connection(sim: Simulator, kubeconfig_path):
    name = sim.cluster_names[0]
    sim.faults.set(name, down="refuse")
    async with aiohttp.ClientSession() as s:
        with pytest.raises(aiohttp.ClientConnectionError):
            await _get(s, sim.url(name) + "/version")
    api = await config.new_client_from_config(config_file=str(kubeconfig_path), context=name)
    try:
        with pytest.raises(aiohttp.ClientConnectionError):
            await client.CoreV1Api(api).list_namespace()
        sim.faults.clear(name)
        listed = await client.CoreV1Api(api).list_namespace()
        assert listed.items
    finally:
        await api.close()


async def test_drop_watches_cuts_open_streams(sim: Simulator):
    name = sim.cluster_names[0]
    url = sim.url(name) + "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0"
    async with aiohttp.ClientSession() as s:
        async with s.get(url) as resp:
            await resp.content.readline()  # the initial ADDED events are flowing
            assert sim.server.watches.count(name) == 1
            sim.faults.set(name, drop_watches=True)
            with pytest.raises(aiohttp.ClientPayloadError):
                await asyncio.wait_for(resp.read(), 5)
        async with s.get(url) as resp:  # new watches are cut at once while the fault holds
            with pytest.raises(aiohttp.ClientPayloadError):
                await asyncio.wait_for(resp.read(), 5)
        sim.faults.clear(name)
        async with s.get(url + "&timeoutSeconds=1") as resp:
            body = await asyncio.wait_for(resp.read(), 5)
            assert body.count(b'"ADDED"') >= 1


async def test_bad_fault_input_is_refused(sim: Simulator):
    with pytest.raises(ValueError):
        sim.faults.set(sim.cluster_names[0], down="sometimes")
    with pytest.raises(ValueError):
        sim.faults.set(sim.cluster_names[0], error_rate=2)
    with pytest.raises(KeyError):
        sim.faults.set("no-such-cluster", latency=1)


async def test_admin_endpoint_and_request_counts(sim: Simulator, kubeconfig_path):
    name = sim.cluster_names[0]
    admin = sim.base_url + "/_admin"
    async with aiohttp.ClientSession() as s:
        async with s.post(f"{admin}/clusters/{name}/faults", json={"down": "503", "latency": 0.01}) as resp:
            assert resp.status == 200 and (await resp.json())["faults"]["down"] == "503"
        assert sim.faults.get(name).down == "503"
        async with s.post(f"{admin}/clusters/{name}/faults", json={"down": "maybe"}) as resp:
            assert resp.status == 400
        async with s.post(f"{admin}/clusters/nope/faults", json={}) as resp:
            assert resp.status == 404
        status, listing = await _get(s, f"{admin}/clusters")
        row = next(r for r in listing["clusters"] if r["name"] == name)
        assert row["faults"]["down"] == "503" and row["objects"] > 0
        assert [r["name"] for r in listing["clusters"]] == [*sim.cluster_names, "hub"]
        async with s.delete(f"{admin}/clusters/{name}/faults") as resp:
            assert resp.status == 200
        assert not sim.faults.get(name).active
        before = sim.mutations(name)
        api = await config.new_client_from_config(config_file=str(kubeconfig_path), context=name)
        try:
            v1 = client.CoreV1Api(api)
            await v1.list_namespaced_pod("default")
            body = {"metadata": {"name": "counted"}, "data": {"a": "b"}}
            await v1.create_namespaced_config_map("default", body)
            await v1.patch_namespaced_config_map("counted", "default", {"data": {"a": "c"}})
            await v1.delete_namespaced_config_map("counted", "default")
            with pytest.raises(ApiException):
                await v1.delete_namespaced_config_map("counted", "default")
        finally:
            await api.close()
        assert sim.mutations(name) == before + 4
        assert sim.mutations(sim.cluster_names[1]) == 0
        status, counts = await _get(s, f"{admin}/requests")
        assert counts["requests"][name]["list"] >= 1 and counts["requests"][name]["create"] == 1
        assert counts["mutations"] == sim.mutations()
        t0 = sim.clock.now()
        async with s.post(f"{admin}/clock/advance", json={"seconds": 30}) as resp:
            assert resp.status == 200
        assert sim.clock.now() - t0 == pytest.approx(30)
        async with s.post(f"{admin}/clock/advance", json={"seconds": "soon"}) as resp:
            assert resp.status == 400


async def test_sim_command_prints_ready_and_stops_on_sigterm(tmp_path: Path):
    kubeconfig = tmp_path / "kc" / "config"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fleettui.cli.main", "sim", "--clusters", "2", "--seed", "empty",
        "--kubeconfig", str(kubeconfig), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ})
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().split()
        assert line[0] == "ready" and line[2] == str(kubeconfig) and len(line) == 3
        base = line[1]
        doc = json.loads(kubeconfig.read_text())
        assert [c["name"] for c in doc["contexts"]][-1] == "hub" and len(doc["contexts"]) == 3
        assert doc["clusters"][0]["cluster"]["server"] == f"{base}/clusters/{doc['clusters'][0]['name']}"
        assert oct(kubeconfig.stat().st_mode & 0o777) == "0o600"
        async with aiohttp.ClientSession() as s:
            status, _ = await _get(s, doc["clusters"][0]["cluster"]["server"] + "/version")
            assert status == 200
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
