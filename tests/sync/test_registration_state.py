"""Registration words from a ManagedCluster and its agents' CSRs (pure)."""

from fleettui.config.objects import csr_state
from fleettui.sync.discovery import managed_cluster_registration, with_join_requests


def _csr(*conds, cert=False):
    status = {"conditions": [{"type": t, "status": "True"} for t in conds]}
    if cert:
        status["certificate"] = "Y2VydA=="
    return {"metadata": {"name": "x"}, "status": status}


def test_csr_state_as_kubectl_says_it():
    assert [csr_state(c) for c in ({"metadata": {}}, _csr("Approved"), _csr("Approved", cert=True),
                                    _csr("Denied"), _csr("Failed"))] == [
        "pending", "approved", "issued", "denied", "failed"]


def _mc(accepts, *conds):
    return {"metadata": {"name": "m"}, "spec": {"hubAcceptsClient": accepts},
            "status": {"conditions": [{"type": t, "status": s, "reason": r} for t, s, r in conds]}}


def test_denied_is_its_own_state():
    joining = managed_cluster_registration(_mc(False))
    assert joining["state"] == "pending acceptance"
    revoked = managed_cluster_registration(
        _mc(False, ("HubAcceptedManagedCluster", "False", "HubClusterAdminDenied")))
    assert revoked["state"] == "denied"
    requests = [{"name": "m-1", "state": "denied", "created": "2026-01-01T00:00:00Z"}]
    assert with_join_requests(joining, requests)["state"] == "denied"
    both = [*requests, {"name": "m-2", "state": "pending", "created": "2026-01-02T00:00:00Z"}]
    again = with_join_requests(joining, both)
    assert again["state"] == "pending acceptance" and again["pending_csrs"] == 1
    assert [c["name"] for c in again["csrs"]] == ["m-1", "m-2"]
    # an accepted cluster keeps its state whatever its old CSRs say
    accepted = managed_cluster_registration(_mc(True, ("ManagedClusterJoined", "True", ""),
                                                ("ManagedClusterConditionAvailable", "True", "")))
    assert with_join_requests(accepted, requests)["state"] == "available"
