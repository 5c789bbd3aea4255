import asyncio

import pytest

from fleettui.kube.resources import (
    BUILTINS,
    Discovery,
    Resource,
    group_version_path,
    match,
    parse_resource_list,
)

MC_LIST = {
    "kind": "APIResourceList",
    "groupVersion": "cluster.open-cluster-management.io/v1",
    "resources": [
        {
            "name": "managedclusters",
            "singularName": "managedcluster",
            "namespaced": False,
            "kind": "ManagedCluster",
            "verbs": ["get", "list", "watch", "patch"],
        },
        {
            "name": "managedclusters/status",
            "namespaced": False,
            "kind": "ManagedCluster",
            "verbs": ["get", "patch"],
        },
    ],
}


def test_paths():
    dep = BUILTINS[("apps/v1", "Deployment")]
    assert dep.path() == "/apis/apps/v1/deployments"
    assert dep.path(namespace="ns") == "/apis/apps/v1/namespaces/ns/deployments"
    assert (
        dep.path(namespace="ns", name="web", subresource="scale")
        == "/apis/apps/v1/namespaces/ns/deployments/web/scale"
    )
    node = BUILTINS[("v1", "Node")]
    assert node.path(namespace="ignored", name="n1") == "/api/v1/nodes/n1"
    assert node.key == "nodes" and dep.key == "deployments.apps" and dep.api_version == "apps/v1"
    assert (
        group_version_path("v1") == "/api/v1" and group_version_path("apps/v1") == "/apis/apps/v1"
    )
    with pytest.raises(ValueError):
        dep.path(name="")
    with pytest.raises(ValueError):
        dep.path(subresource="status")
    assert (
        BUILTINS[("v1", "Pod")].path(namespace="a b", name="x/y")
        == "/api/v1/namespaces/a%20b/pods/x%2Fy"
    )


def test_parse_and_match():
    rs = parse_resource_list("cluster.open-cluster-management.io/v1", MC_LIST)
    assert rs == [
        Resource(
            "cluster.open-cluster-management.io",
            "v1",
            "ManagedCluster",
            "managedclusters",
            False,
            ("get", "list", "watch", "patch"),
            ("status",),
        )
    ]
    assert match(rs, "ManagedCluster") is rs[0]
    assert match(rs, "managedclusters") is rs[0]
    assert match(rs, "managedcluster") is rs[0]
    assert match(rs, "Other") is None


async def test_discovery_caches_and_refreshes_on_miss():
    calls = []
    served = {"cluster.open-cluster-management.io/v1": {"resources": []}}

    async def fetch(gv):
        calls.append(gv)
        await asyncio.sleep(0)
        return served.get(gv)

    d = Discovery(fetch)
    assert await d.lookup("v1", "Pod") is BUILTINS[("v1", "Pod")]
    assert calls == []  # built-ins need no round-trip
    assert await d.lookup("cluster.open-cluster-management.io/v1", "ManagedCluster") is None
    served["cluster.open-cluster-management.io/v1"] = MC_LIST  # CRD installed later
    found = await d.lookup("cluster.open-cluster-management.io/v1", "ManagedCluster")
    assert found is not None and found.plural == "managedclusters"
    await d.lookup("cluster.open-cluster-management.io/v1", "ManagedCluster")
    assert len(calls) == 2  # second hit is cached
    assert await d.lookup("nope.io/v1", "X") is None


async def test_discovery_concurrent_misses_share_one_request():
    calls = []

    async def fetch(gv):
        calls.append(gv)
        await asyncio.sleep(0.01)
        return MC_LIST

    d = Discovery(fetch)
    got = await asyncio.gather(
        *[d.lookup("cluster.open-cluster-management.io/v1", "ManagedCluster") for _ in range(10)]
    )
    assert all(g is not None for g in got)
    assert len(calls) == 1


async def test_discovery_concurrent_lookups_of_an_unserved_group_share_one_request():
    """A cluster without the MCS CRDs (most edge sites): the sync's ServiceExport and
    ServiceImport informers resolve at the same time; each used to ask again after the
    other's 404, so a 1,000-site first sync sent thousands of extra 404s."""
    calls = []

    async def fetch(gv):
        calls.append(gv)
        await asyncio.sleep(0.01)
        return None  # 404: not served

    d = Discovery(fetch)
    got = await asyncio.gather(
        *[d.lookup("multicluster.x-k8s.io/v1alpha1", kind) for kind in ("ServiceExport", "ServiceImport") * 5]
    )
    assert got == [None] * 10
    assert calls == ["multicluster.x-k8s.io/v1alpha1"]
    # a later lookup still asks again (a CRD installed since resolves)
    assert await d.lookup("multicluster.x-k8s.io/v1alpha1", "ServiceExport") is None
    assert len(calls) == 2
