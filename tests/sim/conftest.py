"""Helpers for driving the simulator over HTTP (raw aiohttp and kubernetes_asyncio)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from kubernetes_asyncio import client, config

from fleettui.sim import Simulator


class Http:
    """Raw requests against one cluster of the simulator: exact codes and bodies."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def call(self, method: str, path: str, body: Any = None, *, ctype: str = "application/json",
                   raw: bytes | None = None, headers: dict[str, str] | None = None,
                   **params: str) -> tuple[int, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": ctype, **(headers or {})}
        async with self.session.request(method, self.base + path, data=data, headers=hdrs,
                                        params=params or None) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text)
            except ValueError:
                return resp.status, text


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[Http]:
    async with aiohttp.ClientSession() as session:
        yield Http(session, sim.url(sim.cluster_names[0]))


@pytest.fixture
async def core(sim: Simulator, kubeconfig_path) -> AsyncIterator[client.ApiClient]:
    api = await config.new_client_from_config(config_file=str(kubeconfig_path), context=sim.cluster_names[0])
    try:
        yield api
    finally:
        await api.close()
