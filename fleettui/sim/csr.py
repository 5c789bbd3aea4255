"""CertificateSigningRequest semantics (certificates.k8s.io/v1) that the apiserver enforces.

The approval subresource changes only `status.conditions`, and only as the
apiserver's approval strategy allows: an Approved or Denied condition, once there,
cannot be removed, and a request cannot be both. The signer (kube-controller-manager's
csrsigning for `kubernetes.io/kube-apiserver-client`) then issues `status.certificate`
for an approved request; `sign` is that step.
"""

from __future__ import annotations

import base64
from typing import Any

from fleettui.sim import errors
from fleettui.sim.resources import ResourceType

APPROVAL_TYPES = ("Approved", "Denied")
CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"
_CERT = "-----BEGIN CERTIFICATE-----\nMIIBsimulatedclient{name}\n-----END CERTIFICATE-----\n"


def decision(csr: dict[str, Any]) -> str | None:
    """'Approved', 'Denied' or None (pending), from the request's conditions."""
    for c in (csr.get("status") or {}).get("conditions") or []:
        if c.get("type") in APPROVAL_TYPES and c.get("status", "True") == "True":
            return str(c["type"])
    return None


def approval_status(old: dict[str, Any], new: dict[str, Any], rt: ResourceType, name: str) -> dict[str, Any]:
    """The status a write to `/approval` leaves: the old status with the new conditions, if allowed."""
    conditions = list(((new.get("status") or {}).get("conditions")) or [])
    before = {c.get("type") for c in ((old.get("status") or {}).get("conditions")) or []}
    after = {c.get("type") for c in conditions}
    problems = []
    for t in APPROVAL_TYPES:
        if t in before and t not in after:
            problems.append(("FieldValueForbidden", "status.conditions",
                             f'Forbidden: updates may not remove a condition of type "{t}"'))
    if {"Approved", "Denied"} <= after:
        problems.append(("FieldValueInvalid", "status.conditions",
                         'Invalid value: "Approved": Approved and Denied conditions are mutually exclusive'))
    if problems:
        raise errors.invalid(rt.kind, rt.group, name, problems)
    status = dict(old.get("status") or {})
    status["conditions"] = conditions
    return status


def sign(csr: dict[str, Any]) -> dict[str, Any] | None:
    """The status with a certificate issued, for an approved client CSR not yet signed; else None."""
    status = csr.get("status") or {}
    if decision(csr) != "Approved" or status.get("certificate"):
        return None
    if (csr.get("spec") or {}).get("signerName") != CLIENT_SIGNER:
        return None
    name = (csr.get("metadata") or {}).get("name", "")
    cert = _CERT.format(name=name.replace("-", ""))
    return {**status, "certificate": base64.b64encode(cert.encode()).decode()}
