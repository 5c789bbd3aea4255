"""The hub's Cluster Gateway: ClusterGateway objects over the vela-system cluster secrets,
and the proxy subresource that forwards to the member's API (faults included)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from simfactory import cm

GW = "/apis/cluster.core.oam.dev/v1alpha1/clustergateways"


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


async def _call(session, method, url, body=None, **kw):
    data = json.dumps(body).encode() if body is not None else None
    async with session.request(method, url, data=data,
                               headers={"Content-Type": "application/json"}, **kw) as resp:
        text = await resp.text()
        try:
            return resp.status, json.loads(text)
        except ValueError:
            return resp.status, text


async def test_gateways_listed_one_per_member_with_health(sim, session):
    status, body = await _call(session, "GET", sim.url("hub") + GW)
    assert status == 200 and body["kind"] == "ClusterGatewayList"
    names = [g["metadata"]["name"] for g in body["items"]]
    assert sorted(names) == sorted(sim.cluster_names)
    gw = next(g for g in body["items"] if g["metadata"]["name"] == sim.cluster_names[0])
    assert gw["apiVersion"] == "cluster.core.oam.dev/v1alpha1" and gw["kind"] == "ClusterGateway"
    assert gw["spec"]["access"]["endpoint"]["const"]["address"] == sim.url(sim.cluster_names[0])
    assert gw["spec"]["access"]["credential"]["type"] in ("X509Certificate", "ServiceAccountToken")
    assert gw["status"] == {"healthy": True}
    assert "tls.key" not in json.dumps(body) and "privateKey" not in json.dumps(body)

    sim.faults.set(sim.cluster_names[1], down="refuse")
    status, one = await _call(session, "GET", f"{sim.url('hub')}{GW}/{sim.cluster_names[1]}")
    assert status == 200 and one["status"]["healthy"] is False
    assert "connection reset" in one["status"]["healthyReason"]
    status, missing = await _call(session, "GET", f"{sim.url('hub')}{GW}/nowhere")
    assert status == 404 and missing["reason"] == "NotFound"
    assert missing["message"] == 'clustergateways.cluster.core.oam.dev "nowhere" not found'


async def test_gateway_is_served_in_hub_discovery(sim, session):
    status, body = await _call(session, "GET", sim.url("hub") + "/apis/cluster.core.oam.dev/v1alpha1")
    assert status == 200
    assert any(r["name"] == "clustergateways" and not r["namespaced"] for r in body["resources"])
    # members do not run the gateway
    status, _ = await _call(session, "GET", sim.url(sim.cluster_names[0]) + GW)
    assert status == 404


async def test_proxy_forwards_every_verb_and_counts_at_the_member(sim, session):
    name = sim.cluster_names[0]
    base = f"{sim.url('hub')}{GW}/{name}/proxy"
    status, version = await _call(session, "GET", base + "/version")
    assert status == 200 and version["gitVersion"] == sim.cluster(name).version
    status, created = await _call(session, "POST", base + "/api/v1/namespaces/default/configmaps",
                                  cm("via-gw", app="x"))
    assert status == 201
    assert sim.cluster(name).get("configmaps", "default", "via-gw") is not None
    assert sim.cluster("hub").get("configmaps", "default", "via-gw") is None
    status, listed = await _call(session, "GET", base + "/api/v1/namespaces/default/configmaps",
                                 params={"labelSelector": "app=x"})
    assert status == 200 and [o["metadata"]["name"] for o in listed["items"]] == ["via-gw"]
    status, _ = await _call(session, "DELETE", base + "/api/v1/namespaces/default/configmaps/via-gw")
    assert status == 200
    assert sim.mutations(name) == 2 and sim.mutations("hub") == 0
    assert sim.requests.counts["hub"]["proxy"] == 4


async def test_proxy_watch_stream(sim, session):
    name = sim.cluster_names[0]
    url = f"{sim.url('hub')}{GW}/{name}/proxy/api/v1/namespaces/default/configmaps"
    rv = sim.cluster(name).resource_version
    async with session.get(url, params={"watch": "true", "resourceVersion": rv,
                                        "timeoutSeconds": "5"}) as resp:
        assert resp.status == 200
        sim.cluster(name).create("configmaps", cm("seen"))
        line = await asyncio.wait_for(resp.content.readline(), 5)
        event = json.loads(line)
        assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "seen"


@pytest.mark.parametrize(("fault", "code", "reason"), [
    ({"down": "refuse"}, 503, "ServiceUnavailable"),
    ({"down": "503"}, 503, "ServiceUnavailable"),
    ({"forbidden": True}, 403, "Forbidden"),
])
async def test_member_faults_through_the_gateway(sim, session, fault, code, reason):
    name = sim.cluster_names[1]
    sim.faults.set(name, **fault)
    status, body = await _call(session, "GET", f"{sim.url('hub')}{GW}/{name}/proxy/api/v1/namespaces")
    assert status == code and body["kind"] == "Status" and body["reason"] == reason
    if fault.get("down") == "refuse":
        assert body["message"].startswith(f"error trying to reach cluster {name}")
    # the others still answer
    other = sim.cluster_names[0]
    status, _ = await _call(session, "GET", f"{sim.url('hub')}{GW}/{other}/proxy/api/v1/namespaces")
    assert status == 200


async def test_hub_down_means_gateway_down(sim, session):
    sim.faults.set("hub", down="503")
    status, body = await _call(session, "GET", f"{sim.url('hub')}{GW}/{sim.cluster_names[0]}/proxy/version")
    assert status == 503 and body["reason"] == "ServiceUnavailable"
    assert sim.requests.counts.get(sim.cluster_names[0], {}).get("discovery", 0) == 0


async def test_unknown_cluster_and_foreign_endpoint(sim, session):
    status, body = await _call(session, "GET", f"{sim.url('hub')}{GW}/nowhere/proxy/version")
    assert status == 404 and body["reason"] == "NotFound"
    import base64

    sim.cluster("hub").create("secrets", {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "far", "namespace": "vela-system",
                     "labels": {"cluster.core.oam.dev/cluster-credential-type": "ServiceAccountToken"}},
        "data": {"endpoint": base64.b64encode(b"https://far.example:6443").decode(),
                 "token": base64.b64encode(b"t").decode()}})
    status, body = await _call(session, "GET", f"{sim.url('hub')}{GW}/far/proxy/version")
    assert status == 503 and "far.example" in body["message"]


def test_hub_only_kubeconfig(sim):
    doc = sim.kubeconfig(access="hub-only")
    assert [c["name"] for c in doc["contexts"]] == ["hub"] and doc["current-context"] == "hub"
    with pytest.raises(ValueError):
        sim.kubeconfig(access="some")
