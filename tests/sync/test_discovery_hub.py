"""Member discovery against the simulator's hub: OCM ManagedClusters and KubeVela cluster secrets."""

import base64

import pytest

from fleettui.config.fleetfile import FleetFile
from fleettui.config.kubeconfig import KubeConfig, load_kubeconfig
from fleettui.kube import ClusterClient
from fleettui.sync.discovery import discover_members


@pytest.fixture
def kc(kubeconfig_path):
    return load_kubeconfig(str(kubeconfig_path))


async def test_registrations_merge_with_contexts(sim, kc):
    members = await discover_members(kc, None, None, read_only=True, hub_context="hub")
    assert members.errors == []
    assert [m.name for m in members] == sim.cluster_names  # the hub itself is not a member
    for m in members:
        assert m.context == m.name and m.source == "kubeconfig"
        ocm = m.registration["ocm"]
        assert (
            ocm["accepted"]
            and ocm["joined"]
            and ocm["state"] in ("available", "unavailable", "unknown")
        )
        assert ocm["version"] and ocm["capacity"]["cpu"]
        vela = m.registration["vela"]
        assert vela["credential_type"] and vela["endpoint"] == sim.url(m.name)
        assert "tls.key" not in repr(m.registration)
        assert m.server == sim.url(m.name)
    first = members[0]
    assert first.provider and first.region  # filled from the hub, the fleet file said nothing


async def test_fleet_file_wins_and_hub_from_fleet_file(sim, kc):
    name = sim.cluster_names[0]
    fleet = FleetFile.parse(
        f"hub: hub\nclusters:\n  short:\n    context: {name}\n    provider: mine\n"
        f"    labels: {{env: staging}}\n"
    )
    members = await discover_members(kc, fleet, None, read_only=True)
    assert members.hub == "hub"
    short = next(m for m in members if m.name == "short")
    assert short.context == name and short.source == "fleet" and short.provider == "mine"
    assert short.labels["env"] == "staging"  # the file wins over the hub's label
    assert short.registration and "ocm" in short.registration
    assert name not in [m.name for m in members]  # merged, not listed twice


async def test_hub_only_registrations_are_members(sim, kc):
    # A kubeconfig that only knows the hub: every cluster is known through registration alone.
    d = kc.as_dict()
    d["contexts"] = [c for c in d["contexts"] if c["name"] == "hub"]
    members = await discover_members(
        KubeConfig.from_dict(d), None, None, read_only=True, hub_context="hub"
    )
    assert sorted(m.name for m in members) == sorted(sim.cluster_names)
    for m in members:
        # no context of its own: reached through the hub's Cluster Gateway
        assert m.context is None and m.reachable
        assert (m.access, m.via, m.gateway) == ("gateway", "hub", m.name)
        assert m.source == "ocm" and set(m.registration) == {"ocm", "vela", "gateway"}
        assert m.registration["gateway"]["healthy"] is True
        assert m.registration.summary.endswith("gateway: healthy")
    # globs also select hub-only members by name
    picked = await discover_members(
        KubeConfig.from_dict(d), None, [sim.cluster_names[1]], read_only=True, hub_context="hub"
    )
    assert [m.name for m in picked] == [sim.cluster_names[1]]


async def test_vela_only_cluster_and_unavailable_ocm_state(sim, kc):
    async with ClusterClient.from_kubeconfig(kc, context="hub") as hub:
        secret_res = await hub.resource("v1", "Secret")
        await hub.create(
            secret_res,
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "Opaque",
                "metadata": {
                    "name": "far-away",
                    "namespace": "vela-system",
                    "labels": {
                        "cluster.core.oam.dev/cluster-credential-type": "ServiceAccountToken",
                        "region": "eu-west-1",
                    },
                },
                "data": {
                    "endpoint": base64.b64encode(b"https://far.example:6443").decode(),
                    "token": base64.b64encode(b"secret-token").decode(),
                },
            },
        )
        mc_res = await hub.resource("cluster.open-cluster-management.io/v1", "ManagedCluster")
        target = sim.cluster_names[0]
        mc = await hub.get(mc_res, target)
        conds = [
            dict(
                c,
                status="Unknown",
                reason="ManagedClusterLeaseUpdateStopped",
                message="Registration agent stopped updating its lease.",
            )
            if c["type"] == "ManagedClusterConditionAvailable"
            else c
            for c in mc["status"]["conditions"]
        ]
        await hub.patch(mc_res, target, {"status": {"conditions": conds}}, subresource="status")
    members = await discover_members(kc, None, None, read_only=True, hub_context="hub")
    far = next(m for m in members if m.name == "far-away")
    assert far.source == "vela" and far.context is None and far.region == "eu-west-1"
    assert far.server == "https://far.example:6443"
    assert far.registration["vela"]["credential_type"] == "ServiceAccountToken"
    assert "secret-token" not in repr(far) and "c2VjcmV0LXRva2Vu" not in repr(far)
    down = next(m for m in members if m.name == sim.cluster_names[0])
    assert down.registration["ocm"]["state"] == "unknown"
    assert down.registration.summary.startswith("ocm: unknown")
    assert members[-1].name == "far-away"  # hub-only members after the kubeconfig ones


@pytest.mark.parametrize("fault", [{"down": "refuse"}, {"down": "503"}, {"forbidden": True}])
async def test_hub_fault_reported_members_kept(sim, kc, fault):
    sim.faults.set("hub", **fault)
    members = await discover_members(
        kc, None, None, read_only=True, hub_context="hub", request_timeout=2
    )
    assert [m.name for m in members] == sim.cluster_names
    assert all(m.registration is None for m in members)
    assert members.errors and all(e.startswith("hub hub: cannot list") for e in members.errors)


async def test_discovery_never_mutates(sim, kc):
    await discover_members(kc, None, None, read_only=False, hub_context="hub")
    assert sim.mutations() == 0


async def test_fleet_entry_without_context_matched_by_registration(sim, kc):
    target = sim.cluster_names[0]
    d = kc.as_dict()
    d["contexts"] = [c for c in d["contexts"] if c["name"] != target]
    fleet = FleetFile.parse(
        f"hub: hub\nclusters:\n  hz:\n    context: {target}\n    zone: z1\n"
        f"  nowhere:\n    context: nowhere\n"
    )
    members = await discover_members(KubeConfig.from_dict(d), fleet, None, read_only=True)
    hz = next(m for m in members if m.name == "hz")
    assert hz.context is None and hz.source == "fleet" and hz.zone == "z1"
    assert hz.registration["ocm"]["name"] == target
    assert target not in [m.name for m in members]
    assert [e for e in members.errors if "'hz'" in e] == []
    assert any("'nowhere'" in e and "nor registered on the hub" in e for e in members.errors)


async def test_context_named_hub_is_the_hub_without_a_fleet_file(sim, kc):
    """One rule: the `hub` context is the hub for sync and the dashboard too (it used to be a
    0-node member there while the app commands used it as the hub)."""
    members = await discover_members(kc, None, None, read_only=True)
    assert members.hub == "hub"
    assert [m.name for m in members] == sim.cluster_names
    assert all(m.registration for m in members)  # and its registrations were read


async def test_hub_is_a_member_only_when_the_fleet_file_lists_it(sim, kc, tmp_path):
    fleet = FleetFile.parse("clusters:\n  hub:\n    context: hub\n    provider: idc\n")
    members = await discover_members(kc, fleet, None, read_only=True)
    assert members.hub == "hub"
    assert [m.name for m in members] == [*sim.cluster_names, "hub"]
    assert next(m for m in members if m.name == "hub").provider == "idc"


async def test_hub_only_member_without_a_gateway_is_registration_only(sim, kc):
    """The gateway is derived from the KubeVela cluster secret: without one, an OCM-only
    member has no route (and is not guessed at)."""
    target = sim.cluster_names[0]
    sim.cluster("hub").delete("secrets", "vela-system", target)
    d = kc.as_dict()
    d["contexts"] = [c for c in d["contexts"] if c["name"] == "hub"]
    members = await discover_members(KubeConfig.from_dict(d), None, None, read_only=True,
                                     hub_context="hub")
    lone = next(m for m in members if m.name == target)
    assert lone.access == "direct" and not lone.reachable and set(lone.registration) == {"ocm"}
    assert all(m.reachable and m.access == "gateway" for m in members if m.name != target)
    assert members.errors == []


async def test_fleet_file_access_decides(sim, kc):
    a, b = sim.cluster_names[:2]
    fleet = FleetFile.parse(
        f"hub: hub\nclusters:\n  {a}:\n    access: gateway\n  {b}:\n    access: direct\n"
    )
    members = await discover_members(kc, fleet, None, read_only=True)
    by = {m.name: m for m in members}
    # a has its own context too, but the file says: through the hub
    assert (by[a].access, by[a].via, by[a].gateway, by[a].context) == ("gateway", "hub", a, a)
    assert (by[b].access, by[b].via) == ("direct", None)
    assert by[sim.cluster_names[2]].access == "direct"  # a context, nothing said: direct
    # gateway access with no hub at all is reported, and leaves the member unreachable
    d = kc.as_dict()
    d["contexts"] = [c for c in d["contexts"] if c["name"] != "hub"]
    lone = FleetFile.parse(f"clusters:\n  {a}:\n    access: gateway\n")
    members = await discover_members(KubeConfig.from_dict(d), lone, None, read_only=True)
    m = next(m for m in members if m.name == a)
    assert m.access == "gateway" and not m.reachable
    assert any("needs a hub" in e for e in members.errors)
