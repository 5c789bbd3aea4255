"""The simulated hub's OCM side: CSR approval rules, the signer, and placement decisions."""

from __future__ import annotations

import copy

import pytest

from fleettui.sim import ApiError, Simulator
from fleettui.sim.placement import decide

CSR = "certificatesigningrequests.certificates.k8s.io"


@pytest.fixture
async def hub_sim():
    s = Simulator(clusters=1, seed="demo", rng_seed=0, joining=1)
    s.clock.freeze()
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


def _with(csr, *types):
    body = copy.deepcopy(csr)
    body["status"] = {"conditions": [{"type": t, "status": "True", "reason": "Test", "message": ""}
                                     for t in types]}
    return body


async def test_joining_agent_registration_is_shaped_as_ocm_makes_it(hub_sim):
    [csr] = hub_sim.hub.list(CSR)
    assert csr["metadata"]["labels"] == {"open-cluster-management.io/cluster-name": "joining-1"}
    assert csr["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client"
    assert "status" not in csr or not csr["status"].get("certificate")
    mc = hub_sim.hub.get("managedclusters.cluster.open-cluster-management.io", None, "joining-1")
    assert mc["spec"]["hubAcceptsClient"] is False and not (mc.get("status") or {}).get("conditions")
    assert "joining-1" not in [c["name"] for c in hub_sim.kubeconfig()["contexts"]]


async def test_approval_subresource_rules_and_the_signer(hub_sim):
    hub = hub_sim.hub
    [csr] = hub.list(CSR)
    name = csr["metadata"]["name"]
    # the main resource ignores status; only /approval sets the decision
    hub.update(CSR, _with(csr, "Approved"))
    assert not (hub.get(CSR, None, name).get("status") or {}).get("conditions")
    with pytest.raises(ApiError) as both:
        hub.update(CSR, _with(csr, "Approved", "Denied"), subresource="approval")
    assert both.value.code == 422
    hub.update(CSR, _with(hub.get(CSR, None, name), "Approved"), subresource="approval")
    with pytest.raises(ApiError) as removed:
        hub.update(CSR, _with(hub.get(CSR, None, name)), subresource="approval")
    assert removed.value.code == 422 and "may not remove" in removed.value.message
    await hub_sim.advance(1)
    assert hub.get(CSR, None, name)["status"]["certificate"]  # the signer issued it


async def test_discovery_serves_the_approval_subresource(hub_sim):
    import aiohttp

    async with aiohttp.ClientSession() as s:
        async with s.get(f"{hub_sim.url('hub')}/apis/certificates.k8s.io/v1") as resp:
            names = [r["name"] for r in (await resp.json())["resources"]]
    assert {"certificatesigningrequests", "certificatesigningrequests/approval",
            "certificatesigningrequests/status"} <= set(names)


def _mc(name, labels=None, taints=None, claims=None):
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []},
            "status": {"clusterClaims": [{"name": k, "value": v} for k, v in (claims or {}).items()]}}


SETS = [{"metadata": {"name": "edge"}, "spec": {"clusterSelector": {"selectorType": "ExclusiveClusterSetLabel"}}},
        {"metadata": {"name": "global"},
         "spec": {"clusterSelector": {"selectorType": "LabelSelector", "labelSelector": {}}}}]
SET = "cluster.open-cluster-management.io/clusterset"


def test_placement_decisions_follow_sets_predicates_taints_and_count():
    clusters = [_mc("c", {SET: "edge", "tier": "a"}), _mc("a", {SET: "edge", "tier": "a"}),
                _mc("b", {SET: "edge", "tier": "b"}, claims={"region.open-cluster-management.io": "x"}),
                _mc("d", {"tier": "a"}),
                _mc("e", {SET: "edge", "tier": "a"}, taints=[{"key": "k", "effect": "NoSelect"}])]
    place = {"spec": {}}
    # only bound sets count; `edge` holds a, b, c, e; e is tainted NoSelect
    assert decide(place, clusters, SETS, {"edge"}) == (["a", "b", "c"], 3)
    assert decide(place, clusters, SETS, set()) == ([], 0)
    assert decide(place, clusters, SETS, {"global"})[0] == ["a", "b", "c", "d"]
    by_label = {"spec": {"predicates": [{"requiredClusterSelector": {
        "labelSelector": {"matchLabels": {"tier": "a"}}}}], "numberOfClusters": 1}}
    assert decide(by_label, clusters, SETS, {"edge"}) == (["a"], 2)
    by_claim = {"spec": {"predicates": [{"requiredClusterSelector": {"claimSelector": {"matchExpressions": [
        {"key": "region.open-cluster-management.io", "operator": "In", "values": ["x"]}]}}}]}}
    assert decide(by_claim, clusters, SETS, {"edge"})[0] == ["b"]
    tolerant = {"spec": {"tolerations": [{"key": "k", "operator": "Exists"}]}}
    assert decide(tolerant, clusters, SETS, {"edge"})[0] == ["a", "b", "c", "e"]
    # spec.clusterSets narrows the bound sets, never widens them
    assert decide({"spec": {"clusterSets": ["global"]}}, clusters, SETS, {"edge"}) == ([], 0)
