"""Fleet membership on an OCM / KubeVela hub: accept, deny, taint, clusterset, label, detach.

Each action is what the upstream tool does to the hub's objects, so a real hub and the
simulator are driven the same way:

- accept = `clusteradm accept`: approve the joining agent's pending CSRs through the
  `approval` subresource, then set the ManagedCluster's `spec.hubAcceptsClient: true`;
  the hub's registration controller does the rest (Joined, Available).
- deny: deny the pending CSRs, set `hubAcceptsClient: false` (the hub then revokes it).
- taint / untaint: `spec.taints` (effects NoSelect, PreferNoSelect, NoSelectIfNew).
- set clusterset: the `cluster.open-cluster-management.io/clusterset` label, as
  `clusteradm clusterset set` does; the set must exist.
- label: the ManagedCluster's labels, and the KubeVela cluster secret's as
  `vela cluster labels add/del` does when the hub has one.
- detach: delete the ManagedCluster and the KubeVela cluster secret (`vela cluster detach`).
- vela join = `vela cluster join`: a KubeVela cluster secret from a kubeconfig context.

Every write goes through the kube layer's client, so its read-only guard (the one
choke point) refuses it in read-only and watch mode before anything is sent. Writes
carry the resourceVersion read, so a concurrent change is a Conflict, not lost.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fleettui.config import names
from fleettui.config.fleetfile import cluster_name_error
from fleettui.config.kubeconfig import KubeConfig
from fleettui.config.objects import condition, csr_state
from fleettui.kube import errors
from fleettui.kube.client import ClusterClient

OCM = "cluster.open-cluster-management.io"
CSR_API = "certificates.k8s.io/v1"
CLUSTER_NAME_LABEL = "open-cluster-management.io/cluster-name"
CLUSTERSET_LABEL = f"{OCM}/clusterset"
VELA_NAMESPACE = "vela-system"
VELA_CREDENTIAL_LABEL = "cluster.core.oam.dev/cluster-credential-type"
TAINT_EFFECTS = ("NoSelect", "PreferNoSelect", "NoSelectIfNew")


class MembershipError(Exception):
    """An action that cannot be done as asked (no such cluster, bad taint, unknown set)."""


# ManagedCluster spec.taints[] in open-cluster-management-io/api's cluster/v1 CRD
TAINT_KEY = re.compile(r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                       r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])")
TAINT_KEY_MAX = 316
TAINT_VALUE_MAX = 1024


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str

    @classmethod
    def parse(cls, text: str) -> Taint:
        """`KEY[=VALUE]:EFFECT`, as kubectl taint spells it."""
        head, sep, effect = text.rpartition(":")
        if not sep or not head:
            raise MembershipError(f"taint {text!r}: expected KEY[=VALUE]:EFFECT")
        if effect not in TAINT_EFFECTS:
            raise MembershipError(f"taint {text!r}: effect must be one of {', '.join(TAINT_EFFECTS)}")
        key, _, value = head.partition("=")
        if not key:
            raise MembershipError(f"taint {text!r}: the key is empty")
        # what the hub's ManagedCluster schema allows (OCM's CRD: the key a qualified name
        # of at most 316 characters, the value any text of at most 1,024), refused here
        # before the hub sees it. Not the label rules a node taint follows: the hub
        # takes `until 18:00` as a value.
        if len(key) > TAINT_KEY_MAX or not TAINT_KEY.fullmatch(key):
            why = (f"must be no more than {TAINT_KEY_MAX} characters" if len(key) > TAINT_KEY_MAX else
                   "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start"
                   " and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'"
                   " (e.g. 'example.com/MyName')")
            raise MembershipError(names.invalid("taint key", key, [why]))
        if len(value) > TAINT_VALUE_MAX:
            raise MembershipError(f"taint value: Too long: may not be longer than {TAINT_VALUE_MAX}")
        return cls(key, value, effect)


async def _managed(client: ClusterClient) -> Any:
    try:
        return await client.resource(f"{OCM}/v1", "ManagedCluster")
    except errors.UnknownResource as exc:
        raise MembershipError(f"hub {client.name} does not serve OCM ManagedClusters") from exc


async def _get_managed(client: ClusterClient, name: str) -> tuple[Any, dict[str, Any]]:
    res = await _managed(client)
    obj = await client.get(res, name)
    if obj is None:
        raise MembershipError(f"no ManagedCluster {name!r} on hub {client.name}")
    return res, obj


async def cluster_csrs(client: ClusterClient, name: str | None = None) -> list[dict[str, Any]]:
    """The OCM agents' CSRs (those labelled with a cluster name), for one cluster or all."""
    res = await client.resource(CSR_API, "CertificateSigningRequest")
    selector = f"{CLUSTER_NAME_LABEL}={name}" if name else CLUSTER_NAME_LABEL
    return (await client.list(res, label_selector=selector)).items


async def _decide_csrs(client: ClusterClient, name: str, verdict: str, reason: str, message: str) -> list[str]:
    res = await client.resource(CSR_API, "CertificateSigningRequest")
    done = []
    for csr in await cluster_csrs(client, name):
        if csr_state(csr) != "pending":
            continue
        body = copy.deepcopy(csr)
        status = body.setdefault("status", {})
        status.setdefault("conditions", []).append(
            {"type": verdict, "status": "True", "reason": reason, "message": message})
        await client.replace(res, body, subresource="approval")
        done.append(csr["metadata"]["name"])
    return done


async def _patch_spec(client: ClusterClient, res: Any, obj: dict[str, Any], spec: dict[str, Any]) -> None:
    meta = obj["metadata"]
    await client.patch(res, meta["name"], {"metadata": {"resourceVersion": meta["resourceVersion"]},
                                           "spec": spec}, patch_type="merge")


async def accept(client: ClusterClient, name: str) -> str:
    res, obj = await _get_managed(client, name)
    approved = await _decide_csrs(client, name, "Approved", "AutoApprovedByHubCSRApprovingController",
                                  "Auto approving Managed cluster agent certificate after SubjectAccessReview.")
    if not (obj.get("spec") or {}).get("hubAcceptsClient"):
        _, obj = await _get_managed(client, name)
        await _patch_spec(client, res, obj, {"hubAcceptsClient": True})
    elif not approved:
        return f"cluster {name} is already accepted (no pending CSR)"
    csrs = f"approved CSR {', '.join(approved)}; " if approved else ""
    return f"cluster {name}: {csrs}hubAcceptsClient set to true"


async def deny(client: ClusterClient, name: str) -> str:
    res, obj = await _get_managed(client, name)
    denied = await _decide_csrs(client, name, "Denied", "DeniedByHubClusterAdmin",
                                "Denied by hub cluster admin.")
    if (obj.get("spec") or {}).get("hubAcceptsClient"):
        _, obj = await _get_managed(client, name)
        await _patch_spec(client, res, obj, {"hubAcceptsClient": False})
    csrs = f"denied CSR {', '.join(denied)}; " if denied else ""
    return f"cluster {name}: {csrs}hubAcceptsClient is false"


async def taint(client: ClusterClient, name: str, t: Taint, *, now: str) -> str:
    res, obj = await _get_managed(client, name)
    taints = [x for x in (obj.get("spec") or {}).get("taints") or []
              if (x.get("key"), x.get("effect")) != (t.key, t.effect)]
    taints.append({"key": t.key, "value": t.value, "effect": t.effect, "timeAdded": now})
    await _patch_spec(client, res, obj, {"taints": taints})
    return f"cluster {name} tainted {t.key}{'=' + t.value if t.value else ''}:{t.effect}"


async def untaint(client: ClusterClient, name: str, key: str, effect: str | None = None) -> str:
    res, obj = await _get_managed(client, name)
    before = (obj.get("spec") or {}).get("taints") or []
    taints = [x for x in before if not (x.get("key") == key and effect in (None, x.get("effect")))]
    if len(taints) == len(before):
        raise MembershipError(f"cluster {name} has no taint {key}{':' + effect if effect else ''}")
    await _patch_spec(client, res, obj, {"taints": taints})
    return f"cluster {name} untainted {key}"


async def set_clusterset(client: ClusterClient, name: str, clusterset: str) -> str:
    sets = await client.resource(f"{OCM}/v1beta2", "ManagedClusterSet")
    if await client.get(sets, clusterset) is None:
        raise MembershipError(f"no ManagedClusterSet {clusterset!r} on hub {client.name}")
    return await label(client, name, {CLUSTERSET_LABEL: clusterset}, [], overwrite=True,
                       vela=False, verb=f"moved to clusterset {clusterset}")


async def label(client: ClusterClient, name: str, to_set: dict[str, str], to_remove: list[str], *,
                overwrite: bool, vela: bool = True, verb: str = "labeled") -> str:
    """Labels on the ManagedCluster and (as `vela cluster labels`) on its KubeVela secret."""
    targets: list[tuple[Any, dict[str, Any]]] = []
    res = await _managed(client)
    obj = await client.get(res, name)
    if obj is not None:
        targets.append((res, obj))
    if vela:
        secrets = await client.resource("v1", "Secret")
        secret = await client.get(secrets, name, namespace=VELA_NAMESPACE)
        if secret is not None and VELA_CREDENTIAL_LABEL in (secret["metadata"].get("labels") or {}):
            targets.append((secrets, secret))
    if not targets:
        raise MembershipError(f"no ManagedCluster or KubeVela cluster secret {name!r} on hub {client.name}")
    for _, o in targets:
        current = o["metadata"].get("labels") or {}
        clash = [k for k, v in to_set.items() if k in current and current[k] != v]
        if clash and not overwrite:
            raise MembershipError(f"{name}: label {clash[0]!r} already has a value ({current[clash[0]]}); "
                                  "pass --overwrite to change it")
    patch: dict[str, Any] = {**to_set, **{k: None for k in to_remove}}
    for r, o in targets:
        meta = o["metadata"]
        await client.patch(r, meta["name"], {"metadata": {"resourceVersion": meta["resourceVersion"],
                                                          "labels": patch}},
                           namespace=meta.get("namespace"), patch_type="merge")
    return f"cluster {name} {verb}"


async def detach_plan(client: ClusterClient, name: str) -> list[str]:
    """What `detach` would delete, in words, for the confirmation (nothing is changed)."""
    plan = []
    res = await _managed(client)
    if await client.get(res, name) is not None:
        plan.append(f"ManagedCluster {name} (OCM stops managing it: no placements, addons or manifests)")
    secrets = await client.resource("v1", "Secret")
    secret = await client.get(secrets, name, namespace=VELA_NAMESPACE)
    if secret is not None and VELA_CREDENTIAL_LABEL in (secret["metadata"].get("labels") or {}):
        plan.append(f"KubeVela cluster secret {VELA_NAMESPACE}/{name} (applications stop deploying "
                    "to it; the hub's Cluster Gateway no longer reaches it)")
    if not plan:
        raise MembershipError(f"no ManagedCluster or KubeVela cluster secret {name!r} on hub {client.name}")
    return plan


async def detach(client: ClusterClient, name: str) -> str:
    gone = []
    res = await _managed(client)
    if await client.delete(res, name) is not None:
        gone.append("ManagedCluster")
    secrets = await client.resource("v1", "Secret")
    secret = await client.get(secrets, name, namespace=VELA_NAMESPACE)
    if secret is not None and VELA_CREDENTIAL_LABEL in (secret["metadata"].get("labels") or {}):
        await client.delete(secrets, name, namespace=VELA_NAMESPACE)
        gone.append("KubeVela cluster secret")
    if not gone:
        raise MembershipError(f"no ManagedCluster or KubeVela cluster secret {name!r} on hub {client.name}")
    return f"cluster {name} detached ({' and '.join(gone)} deleted)"


@dataclass(frozen=True)
class JoinRequest:
    cluster: str
    accepted: bool
    csr: str | None
    csr_state: str | None
    requestor: str | None
    created: str | None


async def pending(client: ClusterClient, *,
                  managed: Sequence[Mapping[str, Any]] | None = None) -> list[JoinRequest]:
    """Clusters not accepted yet, and every agent CSR still waiting, one row per CSR.
    `managed`: the hub's ManagedClusters when the caller has just listed them (the
    registration view does), so a 1,000-cluster hub is not listed twice per open."""
    if managed is None:
        managed = (await client.list(await _managed(client))).items
    clusters = {o["metadata"]["name"]: o for o in managed}
    rows: list[JoinRequest] = []
    seen: set[str] = set()
    for csr in await cluster_csrs(client):
        cname = csr["metadata"]["labels"][CLUSTER_NAME_LABEL]
        mc = clusters.get(cname)
        accepted = bool(mc and (mc.get("spec") or {}).get("hubAcceptsClient"))
        state = csr_state(csr)
        if state != "pending" and accepted:
            continue
        seen.add(cname)
        rows.append(JoinRequest(cname, accepted, csr["metadata"]["name"], state,
                                (csr.get("spec") or {}).get("username"),
                                csr["metadata"].get("creationTimestamp")))
    for cname, mc in clusters.items():
        if cname not in seen and not (mc.get("spec") or {}).get("hubAcceptsClient"):
            rows.append(JoinRequest(cname, False, None, None, None, mc["metadata"].get("creationTimestamp")))
    return sorted(rows, key=lambda r: (r.cluster, r.csr or ""))


@dataclass(frozen=True)
class PlacementRow:
    namespace: str
    name: str
    clustersets: tuple[str, ...]
    requested: int | None
    selected: int
    satisfied: str
    decisions: tuple[str, ...]


async def placements(client: ClusterClient, namespace: str | None = None) -> list[PlacementRow]:
    try:
        pres = await client.resource(f"{OCM}/v1beta1", "Placement")
        dres = await client.resource(f"{OCM}/v1beta1", "PlacementDecision")
    except errors.UnknownResource as exc:
        raise MembershipError(f"hub {client.name} does not serve OCM Placements") from exc
    decided: dict[tuple[str, str], list[str]] = {}
    for d in (await client.list(dres, namespace=namespace)).items:
        owner = (d["metadata"].get("labels") or {}).get(f"{OCM}/placement")
        if owner:
            decided.setdefault((d["metadata"]["namespace"], owner), []).extend(
                x.get("clusterName") for x in (d.get("status") or {}).get("decisions") or [])
    rows = []
    for p in (await client.list(pres, namespace=namespace)).items:
        meta, spec, status = p["metadata"], p.get("spec") or {}, p.get("status") or {}
        sat = condition(p, "PlacementSatisfied")
        rows.append(PlacementRow(meta["namespace"], meta["name"], tuple(spec.get("clusterSets") or ()),
                                 spec.get("numberOfClusters"), int(status.get("numberOfSelectedClusters") or 0),
                                 (sat or {}).get("status") or "Unknown",
                                 tuple(sorted(decided.get((meta["namespace"], meta["name"]), [])))))
    return sorted(rows, key=lambda r: (r.namespace, r.name))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _material(entry: dict[str, Any], data_key: str, path_key: str) -> str | None:
    """A kubeconfig credential as base64: the inline `*-data` value, else the file's bytes."""
    if entry.get(data_key):
        return str(entry[data_key])
    if entry.get(path_key):
        try:
            return _b64(Path(entry[path_key]).read_bytes())
        except OSError as exc:
            raise MembershipError(f"cannot read {path_key} {entry[path_key]}: {exc.strerror}") from exc
    return None


def vela_cluster_secret(kubeconfig: KubeConfig, context: str, name: str) -> dict[str, Any]:
    """The KubeVela cluster secret `vela cluster join` writes for a kubeconfig context:
    endpoint, CA, and either a bearer token or a client certificate. Exec plugins and
    auth providers hold no credential the hub could use, so they are refused."""
    ref = kubeconfig.context(context)
    cluster = kubeconfig.cluster_entry(ref.cluster) or {}
    user = kubeconfig.user_entry(ref.user) or {}
    if not cluster.get("server"):
        raise MembershipError(f"context {context!r} has no server")
    data = {"endpoint": _b64(str(cluster["server"]).encode())}
    ca = _material(cluster, "certificate-authority-data", "certificate-authority")
    if ca:
        data["ca.crt"] = ca
    token = user.get("token")
    if not token and user.get("tokenFile"):
        try:
            token = Path(user["tokenFile"]).read_text().strip()
        except OSError as exc:
            raise MembershipError(f"cannot read tokenFile {user['tokenFile']}: {exc.strerror}") from exc
    cert = _material(user, "client-certificate-data", "client-certificate")
    key = _material(user, "client-key-data", "client-key")
    if cert and key:
        kind = "X509Certificate"
        data.update({"tls.crt": cert, "tls.key": key})
    elif token:
        kind = "ServiceAccountToken"
        data["token"] = _b64(str(token).encode())
    else:
        raise MembershipError(f"context {context!r} has no token or client certificate the hub could "
                              "use (exec plugins and auth providers cannot be joined)")
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": name, "namespace": VELA_NAMESPACE, "labels": {VELA_CREDENTIAL_LABEL: kind}},
            "data": data}


async def vela_join(client: ClusterClient, kubeconfig: KubeConfig, context: str, name: str) -> str:
    """`vela cluster join`: register a cluster in KubeVela (and so at the hub's gateway)."""
    bad = cluster_name_error(name)
    if bad:
        raise MembershipError(bad)
    secret = vela_cluster_secret(kubeconfig, context, name)
    res = await client.resource("v1", "Secret")
    try:
        await client.create(res, secret, namespace=VELA_NAMESPACE)
    except errors.AlreadyExists as exc:
        raise MembershipError(f"cluster {name} is already joined (secret {VELA_NAMESPACE}/{name} exists); "
                              f"`fleettui cluster detach {name}` first") from exc
    kind = secret["metadata"]["labels"][VELA_CREDENTIAL_LABEL]
    return f"cluster {name} joined to KubeVela on hub {client.name} ({kind})"
