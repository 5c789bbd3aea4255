"""Fleet member discovery without a hub, and the registration parsers (fixtures from the OCM/vela shapes)."""

import base64
import socket

import pytest

from fleettui.config.errors import ConfigError
from fleettui.config.fleetfile import Cost, FleetFile
from fleettui.config.kubeconfig import KubeConfig
from fleettui.sync.discovery import (
    Member,
    Registration,
    discover_members,
    managed_cluster_registration,
    vela_cluster_registration,
)


def kubeconfig(names, server="https://{}.example"):
    return KubeConfig.from_dict(
        {
            "clusters": [{"name": n, "cluster": {"server": server.format(n)}} for n in names],
            "contexts": [{"name": n, "context": {"cluster": n}} for n in names],
        }
    )


FLEET = """\
hub: hub
clusters:
  hz-a:
    context: ack-hangzhou-a
    provider: ack
    region: cn-hangzhou
    zone: cn-hangzhou-h
    labels: {env: prod}
    prometheus: http://prom:9090
    cost: {cpu_core_hour: 0.04}
  ghost:
    context: not-there
"""


async def test_kubeconfig_only():
    kc = kubeconfig(["a", "b"])
    members = await discover_members(kc, None, None, read_only=True)
    assert members == [Member("a", "a", "https://a.example"), Member("b", "b", "https://b.example")]
    assert members.errors == [] and members.hub is None


async def test_fleet_file_enriches_and_reports_orphans():
    kc = kubeconfig(["ack-hangzhou-a", "other", "tools"])
    fleet = FleetFile.parse(FLEET)
    fleet.hub = None
    members = await discover_members(kc, fleet, None, read_only=True, hub_context=None)
    by = {m.name: m for m in members}
    assert list(by) == ["hz-a", "other", "tools", "ghost"]
    hz = by["hz-a"]
    assert (hz.context, hz.provider, hz.region, hz.zone, hz.source) == (
        "ack-hangzhou-a",
        "ack",
        "cn-hangzhou",
        "cn-hangzhou-h",
        "fleet",
    )
    assert hz.labels == {"env": "prod"} and hz.prometheus_url == "http://prom:9090"
    assert hz.cost == Cost(cpu_core_hour=0.04) and hz.server == "https://ack-hangzhou-a.example"
    assert by["other"].source == "kubeconfig"
    assert by["ghost"].context is None and not by["ghost"].reachable
    assert any("'ghost'" in e and "not-there" in e for e in members.errors)


async def test_globs_select_contexts_and_fleet_names():
    kc = kubeconfig(["ack-hangzhou-a", "ack-shanghai-a", "eks-us-west-2"])
    fleet = FleetFile.parse(FLEET)
    fleet.hub = None
    names = [m.name for m in await discover_members(kc, fleet, ["ack-*"], read_only=True)]
    assert names == ["hz-a", "ack-shanghai-a"]
    names = [m.name for m in await discover_members(kc, fleet, ["hz-*"], read_only=True)]
    assert names == ["hz-a"]
    with pytest.raises(ConfigError, match="'gke-\\*'"):
        await discover_members(kc, fleet, ["gke-*"], read_only=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_unreachable_hub_is_reported_not_raised():
    kc = KubeConfig.from_dict(
        {
            "clusters": [
                {"name": "a", "cluster": {"server": "https://a"}},
                {"name": "hub", "cluster": {"server": f"http://127.0.0.1:{free_port()}"}},
            ],
            "contexts": [
                {"name": "a", "context": {"cluster": "a"}},
                {"name": "hub", "context": {"cluster": "hub"}},
            ],
        }
    )
    members = await discover_members(
        kc, None, ["a", "edge-*"], read_only=True, hub_context="hub", request_timeout=2
    )
    assert [m.name for m in members] == ["a"]  # the hub's own context is not a member
    assert members.hub == "hub"
    assert any("hub hub: cannot list ManagedClusters" in e for e in members.errors)
    # 'edge-*' may have matched a hub-only member: not raised while the hub is down


def test_resolve_hub_one_rule():
    from fleettui.config.hub import resolve_hub

    kc = kubeconfig(["a", "hub", "central"])
    fleet = FleetFile.parse("hub: central\n")
    assert resolve_hub(kc, None) == "hub"  # the conventional name, as the app commands took it
    assert resolve_hub(kc, fleet) == "central"  # the fleet file's hub: wins over the name
    assert resolve_hub(kc, fleet, "a") == "a"  # --hub wins over both
    assert resolve_hub(kubeconfig(["a", "b"]), None) is None


async def test_hub_not_in_kubeconfig():
    members = await discover_members(
        kubeconfig(["a"]), None, None, read_only=True, hub_context="nohub"
    )
    assert [m.name for m in members] == ["a"]
    assert members.errors == ["hub context 'nohub' is not in the kubeconfig"]


MANAGED_CLUSTER = {
    "apiVersion": "cluster.open-cluster-management.io/v1",
    "kind": "ManagedCluster",
    "metadata": {
        "name": "ack-hangzhou-a",
        "labels": {
            "cluster.open-cluster-management.io/clusterset": "default",
            "feature.open-cluster-management.io/addon-work-manager": "available",
            "name": "ack-hangzhou-a",
            "cloud": "Alibaba",
            "vendor": "ACK",
            "topology.kubernetes.io/region": "cn-hangzhou",
        },
    },
    "spec": {
        "hubAcceptsClient": True,
        "leaseDurationSeconds": 60,
        "managedClusterClientConfigs": [{"url": "https://1.2.3.4:6443", "caBundle": "LS0t"}],
        "taints": [
            {
                "key": "cluster.open-cluster-management.io/unreachable",
                "effect": "NoSelect",
                "timeAdded": "2026-01-01T00:00:00Z",
            }
        ],
    },
    "status": {
        "conditions": [
            {
                "type": "HubAcceptedManagedCluster",
                "status": "True",
                "reason": "HubClusterAdminAccepted",
                "message": "Accepted by hub cluster admin",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            },
            {
                "type": "ManagedClusterJoined",
                "status": "True",
                "reason": "ManagedClusterJoined",
                "message": "Managed cluster joined",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            },
            {
                "type": "ManagedClusterConditionAvailable",
                "status": "Unknown",
                "reason": "ManagedClusterLeaseUpdateStopped",
                "message": "Registration agent stopped updating its lease.",
                "lastTransitionTime": "2026-01-01T00:10:00Z",
            },
        ],
        "capacity": {"cpu": "24", "memory": "96Gi"},
        "allocatable": {"cpu": "23", "memory": "90Gi"},
        "version": {"kubernetes": "v1.31.1"},
        "clusterClaims": [
            {"name": "region.open-cluster-management.io", "value": "cn-hangzhou"},
            {"name": "platform.open-cluster-management.io", "value": "AlibabaCloud"},
        ],
    },
}


def test_managed_cluster_registration():
    r = managed_cluster_registration(MANAGED_CLUSTER)
    assert (r["accepted"], r["joined"], r["available"], r["state"]) == (
        True,
        True,
        "Unknown",
        "unknown",
    )
    assert r["message"] == "Registration agent stopped updating its lease."
    assert r["capacity"] == {"cpu": "24", "memory": "96Gi"} and r["version"] == "v1.31.1"
    assert r["taints"][0]["effect"] == "NoSelect"
    assert r["server"] == "https://1.2.3.4:6443" and r["clusterset"] == "default"
    assert r["region"] == "cn-hangzhou" and r["provider"] == "ack"  # OCM vendor label, lower-cased
    assert "cluster.open-cluster-management.io/clusterset" not in r["labels"]
    assert r["labels"]["vendor"] == "ACK"


@pytest.mark.parametrize(
    "accepts,conds,state",
    [
        (False, [], "pending acceptance"),
        (True, [("HubAcceptedManagedCluster", "True")], "not joined"),
        (
            True,
            [
                ("HubAcceptedManagedCluster", "True"),
                ("ManagedClusterJoined", "True"),
                ("ManagedClusterConditionAvailable", "True"),
            ],
            "available",
        ),
        (
            True,
            [("ManagedClusterJoined", "True"), ("ManagedClusterConditionAvailable", "False")],
            "unavailable",
        ),
    ],
)
def test_managed_cluster_states(accepts, conds, state):
    obj = {
        "metadata": {"name": "x"},
        "spec": {"hubAcceptsClient": accepts},
        "status": {"conditions": [{"type": t, "status": s} for t, s in conds]},
    }
    assert managed_cluster_registration(obj)["state"] == state


def test_vela_cluster_registration_drops_credentials():
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "edge-shenzhen",
            "namespace": "vela-system",
            "labels": {
                "cluster.core.oam.dev/cluster-credential-type": "X509Certificate",
                "cluster.core.oam.dev/cluster-endpoint-type": "Const",
                "region": "cn-shenzhen",
            },
            "annotations": {"cluster.core.oam.dev/cluster-alias": "Shenzhen edge"},
        },
        "type": "Opaque",
        "data": {
            "endpoint": base64.b64encode(b"https://10.0.0.1:6443").decode(),
            "ca.crt": "LS0t",
            "tls.crt": "LS0t",
            "tls.key": "c2VjcmV0",
        },
    }
    r = vela_cluster_registration(secret)
    assert r == {
        "name": "edge-shenzhen",
        "credential_type": "X509Certificate",
        "endpoint_type": "Const",
        "endpoint": "https://10.0.0.1:6443",
        "alias": "Shenzhen edge",
        "labels": {"region": "cn-shenzhen"},
        "server": "https://10.0.0.1:6443",
        "provider": None,
        "region": "cn-shenzhen",
        "zone": None,
    }
    assert "c2VjcmV0" not in repr(r)


def test_registration_summary():
    reg = Registration(
        ocm=managed_cluster_registration(MANAGED_CLUSTER),
        vela={"credential_type": "ServiceAccountToken"},
    )
    assert reg.summary == "ocm: unknown; vela: ServiceAccountToken"
    assert isinstance(reg, dict)
