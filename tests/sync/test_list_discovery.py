"""A cluster's first pass asks discovery once per API group, whichever kinds share it."""

from __future__ import annotations

import asyncio

import pytest

from fleettui.kube import ListResult
from fleettui.kube.resources import Discovery
from fleettui.sync.cluster import ClusterSync
from fleettui.sync.kinds import default_kinds


class NoMcsClient:
    """A cluster without the multi-cluster Services CRDs (a k3s edge site): every
    built-in kind lists empty, discovery of the MCS group answers 404."""

    def __init__(self) -> None:
        self.fetched: list[str] = []
        self.listed: list[str] = []
        self._discovery = Discovery(self._fetch)

    async def _fetch(self, api_version):
        self.fetched.append(api_version)
        await asyncio.sleep(0.01)  # a round trip: the lookups overlap, as on the wire
        return None

    async def resource(self, api_version, kind):
        from fleettui.kube import errors

        found = await self._discovery.lookup(api_version, kind)
        if found is None:
            raise errors.UnknownResource(f"{kind} not served", cluster="edge", status=404, reason="NotFound")
        return found

    async def list(self, res, **kw):
        self.listed.append(res.kind)
        await asyncio.sleep(0.01)
        return ListResult([], "7")

    async def version(self):
        return {"gitVersion": "v1.31.2+k3s1"}


@pytest.mark.parametrize("lists_at_once", [1, 2])
async def test_unserved_optional_kinds_of_one_group_cost_one_discovery_request_per_version(store, lists_at_once):
    client = NoMcsClient()
    cs = ClusterSync("edge", client, store.writer, default_kinds(), list_concurrency=lists_at_once,
                     gate=asyncio.Semaphore(1))  # type: ignore[arg-type]
    result = await cs.sync_once()
    assert result.ok, result.error
    assert "ServiceExport" not in result.counts and "ServiceImport" not in result.counts
    # v1alpha1, then the fallback v1beta1: once each, not once per kind
    assert sorted(client.fetched) == ["multicluster.x-k8s.io/v1alpha1", "multicluster.x-k8s.io/v1beta1"]
    assert {"Pod", "Namespace", "EndpointSlice"} <= set(client.listed)
