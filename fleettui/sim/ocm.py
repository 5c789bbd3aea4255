"""OCM registration on the simulated hub: joining members, acceptance, denial.

A member joins as OCM's klusterlet does it: the agent creates its ManagedCluster
with `hubAcceptsClient: false` and a CertificateSigningRequest (signer
`kubernetes.io/kube-apiserver-client`, labelled `open-cluster-management.io/cluster-name`)
for its hub credentials. Nothing more happens until a hub admin accepts it, as
`clusteradm accept` does: approve the CSR (approval subresource) and set
`hubAcceptsClient: true`. Then this controller plays the hub's parts:

- the signer issues the approved CSR's certificate;
- the registration controller marks the cluster HubAcceptedManagedCluster, makes its
  namespace on the hub, and once the agent holds a certificate, ManagedClusterJoined and
  ManagedClusterConditionAvailable (with capacity, version and claims, as the agent reports);
- the cluster-gateway addon writes the KubeVela cluster secret, so the hub's
  ClusterGateway (and its proxy) reaches the new member.

Setting `hubAcceptsClient` back to false (deny) makes HubAcceptedManagedCluster False
(`HubClusterAdminDenied`), the lease Unknown, and withdraws the gateway's secret.
Placements and clustersets are reconciled by placement.py on the same dirty flag.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .cluster_spec import ClusterSpec
from .csr import CLIENT_SIGNER, sign
from .resources import CSR_KEY
from .seed import cluster_specs
from .seed_catalog import b64, short_hash
from .seed_hub import member_registration

log = logging.getLogger(__name__)

MANAGED = "managedclusters.cluster.open-cluster-management.io"
CLUSTER_NAME_LABEL = "open-cluster-management.io/cluster-name"
WATCHED = (MANAGED, CSR_KEY, "managedclustersets.cluster.open-cluster-management.io",
           "managedclustersetbindings.cluster.open-cluster-management.io",
           "placements.cluster.open-cluster-management.io")
_CSR_PEM = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBsimulated{name}\n-----END CERTIFICATE REQUEST-----\n"


def joining_specs(specs: list[ClusterSpec], count: int) -> list[ClusterSpec]:
    """Specs for `count` members that will join the hub: small healthy clusters after `specs`."""
    extra = cluster_specs("demo", len(specs) + count)[len(specs):]
    return [replace(s, name=f"joining-{i + 1}", pending_pod=False, broken_deployment=False,
                    not_ready_node=False, disk_pressure_node=False, crash_loop=False, hub_available=True)
            for i, s in enumerate(extra)]


def joining_registration(spec: ClusterSpec, url: str) -> tuple[dict, dict]:
    """(ManagedCluster, CSR) as a klusterlet creates them when it first dials the hub."""
    managed, _, _ = member_registration(spec, url, now=0.0)
    labels = {k: v for k, v in managed["metadata"]["labels"].items()
              if not k.startswith("cluster.open-cluster-management.io/")}
    managed["metadata"]["labels"] = labels
    managed["spec"]["hubAcceptsClient"] = False
    csr = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
           "metadata": {"name": f"{spec.name}-{short_hash('csr', spec.name, n=5)}",
                        "labels": {CLUSTER_NAME_LABEL: spec.name}},
           "spec": {"signerName": CLIENT_SIGNER, "expirationSeconds": 31536000,
                    "request": b64(_CSR_PEM.format(name=spec.name.replace("-", ""))),
                    "usages": ["digital signature", "key encipherment", "client auth"],
                    "username": f"system:open-cluster-management:{spec.name}:bootstrap",
                    "groups": ["system:bootstrappers:managedclusters", "system:authenticated"]}}
    return managed, csr


def _set_condition(conditions: list[dict], type_: str, status: str, reason: str, message: str,
                   now: str) -> list[dict]:
    """Conditions with one set in place; lastTransitionTime moves only when the status does."""
    fresh = {"type": type_, "status": status, "lastTransitionTime": now, "reason": reason, "message": message}
    out = []
    for c in conditions:
        if c.get("type") == type_:
            if c.get("status") == status:
                fresh["lastTransitionTime"] = c.get("lastTransitionTime") or now
            c, fresh = fresh, None  # type: ignore[assignment]  # None: the fresh condition is placed
        out.append(c)
    if fresh is not None:
        out.append(fresh)
    return out


def _status_of(conditions: list[dict], type_: str) -> str | None:
    return next((c.get("status") for c in conditions if c.get("type") == type_), None)


class RegistrationController:
    """The hub's registration, signer and gateway-addon parts for every ManagedCluster."""

    def __init__(self, hub: Any, *, specs: Callable[[str], ClusterSpec | None],
                 url: Callable[[str], str], placements: Any = None) -> None:
        self.hub = hub
        self.specs = specs
        self.url = url
        self.placements = placements
        self.dirty = True
        hub.subscribe(self._on_change)

    def _on_change(self, event: str, resource: str, obj: dict) -> None:
        if resource in WATCHED:
            self.dirty = True

    def register_joining(self, spec: ClusterSpec) -> None:
        managed, csr = joining_registration(spec, self.url(spec.name))
        self.hub.create(MANAGED, managed)
        self.hub.create(CSR_KEY, csr)

    def step(self) -> None:
        # Writes below mark the flag again; a second round settles what they caused.
        for _ in range(3):
            if not self.dirty:
                return
            self.dirty = False
            try:
                self._sign()
                for mc in self.hub.list(MANAGED):
                    self._reconcile(mc)
                if self.placements is not None:
                    self.placements.reconcile()
            except Exception:  # one bad object must not stop the hub's controllers
                log.exception("ocm: reconcile failed")

    async def run(self, interval: float = 0.5) -> None:
        while True:
            self.step()
            await asyncio.sleep(0)
            await self.hub.clock.sleep(interval)

    def _sign(self) -> None:
        for csr in self.hub.list(CSR_KEY):
            status = sign(csr)
            if status is not None:
                self.hub.set_status(CSR_KEY, None, csr["metadata"]["name"], status)

    def _has_certificate(self, name: str) -> bool:
        return any((c.get("status") or {}).get("certificate") for c in self.hub.list(CSR_KEY)
                   if (c["metadata"].get("labels") or {}).get(CLUSTER_NAME_LABEL) == name)

    def _reconcile(self, mc: dict) -> None:
        name = mc["metadata"]["name"]
        if mc["metadata"].get("deletionTimestamp"):
            return
        status = dict(mc.get("status") or {})
        conditions = list(status.get("conditions") or [])
        now = self.hub.clock.iso()
        if (mc.get("spec") or {}).get("hubAcceptsClient"):
            conditions = _set_condition(conditions, "HubAcceptedManagedCluster", "True",
                                        "HubClusterAdminAccepted", "Accepted by hub cluster admin", now)
            if self.hub.get("namespaces", None, name) is None:
                self.hub.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
            if _status_of(conditions, "ManagedClusterJoined") != "True" and self._has_certificate(name):
                conditions = self._join(name, status, conditions, now)
        elif _status_of(conditions, "HubAcceptedManagedCluster") == "True":
            conditions = _set_condition(conditions, "HubAcceptedManagedCluster", "False",
                                        "HubClusterAdminDenied", "Denied by hub cluster admin", now)
            if _status_of(conditions, "ManagedClusterJoined") == "True":
                conditions = _set_condition(conditions, "ManagedClusterConditionAvailable", "Unknown",
                                            "ManagedClusterLeaseUpdateStopped",
                                            "Registration agent stopped updating its lease.", now)
            if self.hub.get("secrets", "vela-system", name) is not None:
                self.hub.delete("secrets", "vela-system", name)
        status["conditions"] = conditions
        self.hub.set_status(MANAGED, None, name, status)

    def _join(self, name: str, status: dict, conditions: list[dict], now: str) -> list[dict]:
        """What the agent reports once it holds hub credentials, and the gateway addon's secret."""
        spec = self.specs(name)
        if spec is None:  # an agent fleettui's simulator does not run: it never comes up
            return conditions
        _, reported, secret = member_registration(spec, self.url(name), now=self.hub.clock.now())
        for key in ("capacity", "allocatable", "version", "clusterClaims"):
            status[key] = reported[key]
        conditions = _set_condition(conditions, "ManagedClusterJoined", "True", "ManagedClusterJoined",
                                    "Managed cluster joined", now)
        conditions = _set_condition(conditions, "ManagedClusterConditionAvailable", "True",
                                    "ManagedClusterAvailable", "Managed cluster is available", now)
        if self.hub.get("secrets", "vela-system", name) is None:
            self.hub.create("secrets", secret)
        return conditions

