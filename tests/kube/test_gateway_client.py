"""A member reached through the hub's Cluster Gateway, with a kubeconfig that has only the hub."""

import asyncio

import pytest

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.kube import ClusterClient, errors


@pytest.fixture
def hub_only(sim, tmp_path):
    return load_kubeconfig(str(sim.write_kubeconfig(tmp_path / "hub-only", access="hub-only")))


def cm(name, ns="default", **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns},
            "data": data}


async def test_every_verb_reaches_the_member(sim, hub_only):
    name = sim.cluster_names[1]
    async with ClusterClient.via_gateway(hub_only, hub_context="hub", cluster=name, timeout=5) as c:
        assert c.access == "gateway" and c.name == name and c.gateway == "hub"
        assert c.server == sim.gateway_url(name)
        assert (await c.version())["gitVersion"] == sim.cluster(name).version
        res = await c.resource("v1", "ConfigMap")
        await c.create(res, cm("a", k="1"))
        await c.apply(cm("b", k="2"))
        await c.patch(res, "a", {"data": {"k": "3"}}, namespace="default")
        got = await c.get(res, "a", namespace="default")
        assert got["data"] == {"k": "3"}
        assert await c.get(res, "missing", namespace="default") is None  # 404 through the proxy
        listed = await c.list(res, namespace="default", limit=1)  # continue tokens pass through
        assert {"a", "b"} <= {o["metadata"]["name"] for o in listed.items}
        nodes = await c.list(await c.resource("v1", "Node"))
        assert len(nodes.items) == len(sim.cluster(name).list("nodes"))
        await c.delete(res, "b", namespace="default")
    member = sim.cluster(name)
    assert member.get("configmaps", "default", "a")["data"] == {"k": "3"}
    assert member.get("configmaps", "default", "b") is None
    assert sim.cluster("hub").get("configmaps", "default", "a") is None
    assert sim.mutations(name) == 4 and sim.mutations("hub") == 0


async def test_watch_through_the_gateway(sim, hub_only):
    name = sim.cluster_names[0]
    async with ClusterClient.via_gateway(hub_only, hub_context="hub", cluster=name, timeout=5) as c:
        res = await c.resource("v1", "ConfigMap")
        listed = await c.list(res, namespace="default")
        async with c.watch(res, namespace="default", resource_version=listed.resource_version,
                           timeout_seconds=5) as w:
            sim.cluster(name).create("configmaps", cm("watched"))
            event = await asyncio.wait_for(w.__anext__(), 5)
        assert event.type == "ADDED" and event.object["metadata"]["name"] == "watched"


async def test_read_only_through_the_gateway_sends_no_mutation(sim, hub_only):
    """The guard holds at the single send point for proxied requests: counted at the simulator."""
    for name in sim.cluster_names:
        async with ClusterClient.via_gateway(hub_only, hub_context="hub", cluster=name,
                                             read_only=True, timeout=5) as c:
            res = await c.resource("v1", "ConfigMap")
            await c.list(res)
            attempts = [
                c.create(res, cm("x")),
                c.replace(res, cm("x")),
                c.patch(res, "x", {"data": {}}, namespace="default"),
                c.apply(cm("x")),
                c.delete(res, "x", namespace="default"),
            ]
            for attempt in attempts:
                with pytest.raises(errors.ReadOnlyViolation) as ei:
                    await attempt
                assert ei.value.cluster == name
    assert sim.mutations() == 0
    assert all(sim.requests.counts[n]["list"] >= 1 for n in sim.cluster_names)


async def test_member_down_behind_the_gateway(sim, hub_only):
    name = sim.cluster_names[2]
    sim.faults.set(name, down="refuse")
    async with ClusterClient.via_gateway(hub_only, hub_context="hub", cluster=name, timeout=5) as c:
        with pytest.raises(errors.ServerError) as ei:
            await c.version()
    assert ei.value.status == 503 and ei.value.cluster == name
    assert "error trying to reach cluster" in str(ei.value)


async def test_unknown_hub_context_is_a_config_error(sim, hub_only):
    from fleettui.config.errors import ConfigError

    with pytest.raises(ConfigError):
        ClusterClient.via_gateway(hub_only, hub_context="nope", cluster="x")


async def test_members_through_one_hub_share_its_connection_pool(sim, hub_only):
    from fleettui.kube.transport import HUB_POOLS

    clients = [ClusterClient.via_gateway(hub_only, hub_context="hub", cluster=n, timeout=5)
               for n in sim.cluster_names]
    try:
        for c in clients:
            await c.version()
        assert HUB_POOLS.sessions() == 1
        # closing one member leaves the others' (shared) session open
        await clients[0].close()
        assert (await clients[1].version())["gitVersion"]
        assert HUB_POOLS.sessions() == 1
    finally:
        for c in clients[1:]:
            await c.close()
    assert HUB_POOLS.sessions() == 0
