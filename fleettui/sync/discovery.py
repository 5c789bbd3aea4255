"""Who is in the fleet: kubeconfig contexts, the fleet file, and what the hub has registered.

Members come from the kubeconfig contexts (minus the hub's own context, unless
the fleet file lists it as a cluster), enriched by the fleet file. Which context
is the hub is `config.hub.resolve_hub`'s rule (`--hub`, the fleet file's `hub:`,
a context named `hub`), the same for every caller. The hub's OCM `ManagedCluster`s and KubeVela cluster secrets are read too:
a registration whose name matches a member is attached to it; one without a
matching context is still a member (its registration is shown, but fleettui
cannot reach it directly). A hub that cannot be read never hides the
kubeconfig members: the problem is reported in `Members.errors`.

Credentials in KubeVela cluster secrets are never kept: only the credential
type, endpoint, alias and labels.

How each member is reached (`Member.access`): `direct` through its own
kubeconfig context, or `gateway` through the hub's Cluster Gateway proxy
(KubeVela `cluster.core.oam.dev/v1alpha1` ClusterGateway) with the hub's
credentials. The fleet file may say which (`access:`); otherwise a member with
a context is reached directly and one known only to the hub through its
ClusterGateway, if the hub has one for it. So `--hub CONTEXT` alone, with no
member contexts, reaches the whole fleet. `client_for(kubeconfig, member)` is
the one place a member's client is made from that decision.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fnmatch
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from fleettui.config.errors import ConfigError
from fleettui.config.fleetfile import Cost, FleetCluster, FleetFile
from fleettui.config.hub import resolve_hub
from fleettui.config.kubeconfig import KubeConfig
from fleettui.config.objects import condition, csr_state, first_label
from fleettui.kube import ClusterClient, errors

log = logging.getLogger(__name__)

OCM_API = "cluster.open-cluster-management.io/v1"
GATEWAY_API = "cluster.core.oam.dev/v1alpha1"
VELA_NAMESPACE = "vela-system"
CLUSTER_NAME_LABEL = "open-cluster-management.io/cluster-name"  # on an OCM agent's CSR
VELA_CREDENTIAL_LABEL = "cluster.core.oam.dev/cluster-credential-type"
VELA_ENDPOINT_TYPE_LABEL = "cluster.core.oam.dev/cluster-endpoint-type"
VELA_ALIAS_ANNOTATION = "cluster.core.oam.dev/cluster-alias"
_VELA_INTERNAL_PREFIX = "cluster.core.oam.dev/"
# Labels OCM itself puts on every ManagedCluster; not the user's labels.
_OCM_INTERNAL_LABELS = (
    "cluster.open-cluster-management.io/",
    "feature.open-cluster-management.io/",
)
_REGION_KEYS = ("topology.kubernetes.io/region", "region")
_ZONE_KEYS = ("topology.kubernetes.io/zone", "zone")
# Our provider words (ack, eks, aks, gke, ...) are OCM's `vendor` label in lower case.
_PROVIDER_KEYS = ("fleettui.io/provider", "provider", "vendor")


class Registration(dict[str, Any]):
    """Registration state on the hub: `{"ocm": {...}}` and/or `{"vela": {...}}`.

    A plain dict (JSON-friendly) with a one-line `summary` for tables.
    """

    @property
    def summary(self) -> str:
        parts = []
        if "ocm" in self:
            parts.append(f"ocm: {self['ocm']['state']}")
        if "vela" in self:
            parts.append(f"vela: {self['vela']['credential_type'] or 'registered'}")
        if "gateway" in self:
            parts.append(f"gateway: {'healthy' if self['gateway']['healthy'] else 'unhealthy'}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Member:
    name: str
    context: str | None  # None: registered on the hub only, not reachable directly
    server: str | None
    provider: str | None = None
    region: str | None = None
    zone: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    prometheus_url: str | None = None
    cost: Cost | None = None
    source: str = "kubeconfig"  # kubeconfig | fleet | ocm | vela
    registration: Registration | None = None
    # direct | gateway; None only before discovery routes it (the fleet file did not say)
    access: str | None = "direct"
    via: str | None = None  # access == "gateway": the hub context whose gateway carries it
    gateway: str | None = None  # access == "gateway": the member's name at that gateway

    @property
    def reachable(self) -> bool:
        if self.access == "gateway":
            return self.via is not None
        return self.context is not None


def client_for(
    kubeconfig: KubeConfig, member: Member | Any, *, read_only: bool, timeout: float = 10.0
) -> ClusterClient:
    """The client for a member, by the route discovery chose (see the module docstring).

    Duck-typed (name, context, and optionally access/via/gateway) so callers holding
    older member-like records keep working: those are reached directly."""
    via = getattr(member, "via", None)
    if getattr(member, "access", None) == "gateway" and via:
        return ClusterClient.via_gateway(
            kubeconfig,
            hub_context=via,
            cluster=getattr(member, "gateway", None) or member.name,
            read_only=read_only,
            timeout=timeout,
        )
    if member.context is None:
        raise errors.ConfigurationError(
            f"cluster {member.name} has no kubeconfig context and no route through a hub",
            cluster=member.name,
        )
    return ClusterClient.from_kubeconfig(
        kubeconfig, context=member.context, name=member.name, read_only=read_only, timeout=timeout
    )


class Members(list[Member]):
    """The members found, plus the problems met while looking (`errors`), never raised."""

    def __init__(
        self,
        items: Iterable[Member] = (),
        *,
        hub: str | None = None,
        errors: list[str] | None = None,
    ) -> None:
        super().__init__(items)
        self.hub = hub
        self.errors: list[str] = errors or []


async def discover_members(
    kubeconfig: KubeConfig,
    fleet: FleetFile | None,
    globs: list[str] | None,
    *,
    read_only: bool,
    hub_context: str | None = None,
    request_timeout: float = 10.0,
) -> Members:
    """The fleet's members in kubeconfig order, then hub-only registrations by name.

    `globs` select contexts (and hub-only members by name). A glob that selects
    nothing is a ConfigError — unless the hub could not be read, since what it
    would have matched may live there. Reading the hub only lists, so its
    client is read-only whatever `read_only` says.
    """
    hub = resolve_hub(kubeconfig, fleet, hub_context)
    problems: list[str] = []
    by_name: dict[str, Member] = {}

    def wanted(*names: str | None) -> bool:
        return not globs or any(n and fnmatch.fnmatchcase(n, g) for n in names for g in globs)

    for ref in kubeconfig.contexts:
        entry = fleet.cluster_for_context(ref.name) if fleet else None
        # the hub is a member only when the fleet file says so explicitly
        if (ref.name == hub and entry is None) or not wanted(
            ref.name, entry.name if entry else None
        ):
            continue
        member = (
            _from_fleet(entry, server=ref.server)
            if entry
            else Member(ref.name, ref.name, ref.server)
        )
        if member.name in by_name:  # a fleet name shadowing another context's name
            problems.append(
                f"fleet file: cluster {member.name!r} clashes with context {member.name!r}; "
                f"kept the first"
            )
            continue
        by_name[member.name] = member

    # Fleet entries whose context is not in the kubeconfig: maybe registered on the hub.
    orphans: dict[str, FleetCluster] = {}
    if fleet:
        for entry in fleet.clusters.values():
            if not kubeconfig.has_context(entry.context) and wanted(entry.name, entry.context):
                orphans[entry.name] = entry

    hub_ok = True
    if hub:
        if not kubeconfig.has_context(hub):
            problems.append(f"hub context {hub!r} is not in the kubeconfig")
            hub_ok = False
        else:
            managed, vela, gateways, hub_problems = await _read_hub(
                kubeconfig, hub, request_timeout=request_timeout
            )
            problems.extend(hub_problems)
            hub_ok = not hub_problems
            # A registration is matched by member name first, then by context name.
            by_context = {m.context: m.name for m in by_name.values() if m.context}
            for reg_kind, registrations in (("ocm", managed), ("vela", vela), ("gateway", gateways)):
                for name, reg in registrations.items():
                    key = name if name in by_name else by_context.get(name)
                    if key is None:  # remember the match so the other registration kind finds it
                        orphan = orphans.pop(name, None) or _pop_by_context(orphans, name)
                        if orphan is not None:
                            member = _from_fleet(orphan, server=None, context=None)
                        elif wanted(name):
                            member = Member(name, None, None, source=reg_kind, access=None)
                        else:
                            continue
                        key = member.name
                        by_name[key] = member
                        by_context[name] = key
                    by_name[key] = _attach(by_name[key], reg_kind, reg)

    for entry in orphans.values():
        problems.append(
            f"fleet file: cluster {entry.name!r} uses context {entry.context!r}, "
            f"which is not in the kubeconfig" + (" nor registered on the hub" if hub else "")
        )
        by_name[entry.name] = _from_fleet(entry, server=None, context=None)

    reachable_hub = hub if hub and kubeconfig.has_context(hub) else None
    for name, member in by_name.items():
        by_name[name] = _route(member, reachable_hub, hub_ok, problems)

    if globs and hub_ok:
        known = {n for m in by_name.values() for n in (m.name, m.context) if n}
        if hub:
            known.add(hub)
        unmatched = [g for g in globs if not any(fnmatch.fnmatchcase(n, g) for n in known)]
        if unmatched:
            raise ConfigError(f"no cluster or context matches {', '.join(map(repr, unmatched))}")

    ctx_order = {ref.name: i for i, ref in enumerate(kubeconfig.contexts)}
    ordered = sorted(
        by_name.values(),
        key=lambda m: (0, ctx_order[m.context], "") if m.context in ctx_order else (1, 0, m.name),
    )
    for p in problems:
        # callers report `errors` themselves; a warning here was the second copy users saw
        log.info("fleet discovery: %s", p)
    return Members(ordered, hub=hub, errors=problems)


def _route(member: Member, hub: str | None, hub_read: bool, problems: list[str]) -> Member:
    """Decide how `member` is reached: the fleet file's `access:`, else direct when it
    has a context, else through the hub's ClusterGateway of its name when there is one."""
    gw = member.registration.get("gateway") if member.registration else None
    if member.access == "direct" or (member.access is None and (member.context or not gw)):
        return replace(member, access="direct", via=None, gateway=None)
    if hub is None:
        problems.append(f"cluster {member.name!r}: access: gateway needs a hub, and none is set")
        return replace(member, access="gateway", via=None)
    if gw is None and hub_read:
        # still routed: the proxy's 404 then shows on this cluster's row, not silence
        problems.append(f"cluster {member.name!r}: hub {hub} has no ClusterGateway for it")
    name = gw["name"] if gw else (member.gateway or member.context or member.name)
    return replace(member, access="gateway", via=hub, gateway=name)


def _from_fleet(
    entry: FleetCluster, *, server: str | None, context: str | None | Any = ...
) -> Member:
    return Member(
        name=entry.name,
        context=entry.context if context is ... else context,
        server=server,
        provider=entry.provider,
        region=entry.region,
        zone=entry.zone,
        labels=dict(entry.labels),
        prometheus_url=entry.prometheus,
        cost=entry.cost,
        source="fleet",
        access=entry.access,
        # its name at the hub's gateway unless a ClusterGateway is matched to it
        gateway=entry.context,
    )


def _pop_by_context(entries: dict[str, FleetCluster], context: str) -> FleetCluster | None:
    for name, entry in entries.items():
        if entry.context == context:
            return entries.pop(name)
    return None


def _attach(member: Member, kind: str, reg: dict[str, Any]) -> Member:
    """Attach a hub registration; its labels and location fill only what is not already known."""
    registration = Registration(member.registration or {})
    registration[kind] = reg
    labels = {**reg.get("labels", {}), **member.labels}
    return replace(
        member,
        registration=registration,
        labels=labels,
        server=member.server or reg.get("server"),
        provider=member.provider or reg.get("provider"),
        region=member.region or reg.get("region"),
        zone=member.zone or reg.get("zone"),
    )


# -- reading the hub -------------------------------------------------------------


Registrations = dict[str, dict[str, Any]]


async def _read_hub(
    kubeconfig: KubeConfig, hub: str, *, request_timeout: float
) -> tuple[Registrations, Registrations, Registrations, list[str]]:
    client = ClusterClient.from_kubeconfig(
        kubeconfig, context=hub, read_only=True, timeout=request_timeout
    )
    problems: list[str] = []
    ocm: Registrations | BaseException
    vela: Registrations | BaseException
    gws: Registrations | BaseException
    try:
        ocm, vela, gws, csrs = await asyncio.gather(
            _list_managed_clusters(client),
            _list_vela_clusters(client),
            _list_cluster_gateways(client),
            _list_join_csrs(client),
            return_exceptions=True,
        )
    finally:
        await client.close()
    managed: Registrations = {}
    secrets: Registrations = {}
    gateways: Registrations = {}
    for what, result, target in (
        ("ManagedClusters", ocm, managed),
        ("KubeVela cluster secrets", vela, secrets),
        ("ClusterGateways", gws, gateways),
    ):
        if isinstance(result, errors.KubeError):
            problems.append(f"hub {hub}: cannot list {what}: {result}")
        elif isinstance(result, BaseException):
            raise result
        else:
            target.update(result)
    if isinstance(csrs, dict):
        for name, requests in csrs.items():
            if name in managed:
                managed[name] = with_join_requests(managed[name], requests)
    elif isinstance(csrs, BaseException) and not isinstance(csrs, errors.KubeError):
        raise csrs
    # else: CSRs are not readable with these credentials (a common RBAC choice); the
    # registration state still comes from the ManagedClusters, only the CSR detail is missing
    return managed, secrets, gateways, problems


async def _list_join_csrs(client: ClusterClient) -> dict[str, list[dict[str, Any]]]:
    """The OCM agents' CSRs on the hub by cluster name (label open-cluster-management.io/cluster-name)."""
    res = await client.resource("certificates.k8s.io/v1", "CertificateSigningRequest")
    listed = await client.list(res, label_selector=CLUSTER_NAME_LABEL)
    out: dict[str, list[dict[str, Any]]] = {}
    for obj in listed.items:
        meta = obj.get("metadata") or {}
        out.setdefault(meta["labels"][CLUSTER_NAME_LABEL], []).append({
            "name": meta.get("name"),
            "state": csr_state(obj),
            "requestor": (obj.get("spec") or {}).get("username"),
            "created": meta.get("creationTimestamp"),
        })
    return out


def with_join_requests(reg: dict[str, Any], csrs: list[dict[str, Any]]) -> dict[str, Any]:
    """A ManagedCluster's registration with its agents' CSRs; a cluster not accepted whose
    every CSR was denied is `denied`, not still `pending acceptance`."""
    csrs = sorted(csrs, key=lambda c: (c.get("created") or "", c.get("name") or ""))
    out = {**reg, "csrs": csrs, "pending_csrs": sum(1 for c in csrs if c["state"] == "pending")}
    if not reg["accepted"] and csrs and all(c["state"] == "denied" for c in csrs):
        out["state"] = "denied"
    return out


async def _list_managed_clusters(client: ClusterClient) -> dict[str, dict[str, Any]]:
    try:
        res = await client.resource(OCM_API, "ManagedCluster")
    except errors.UnknownResource:
        return {}  # no OCM on this hub: not an error
    listed = await client.list(res)
    return {obj["metadata"]["name"]: managed_cluster_registration(obj) for obj in listed.items}


async def _list_cluster_gateways(client: ClusterClient) -> dict[str, dict[str, Any]]:
    try:
        res = await client.resource(GATEWAY_API, "ClusterGateway")
    except errors.UnknownResource:
        return {}  # no cluster-gateway on this hub: members are reached directly only
    listed = await client.list(res)
    return {obj["metadata"]["name"]: cluster_gateway_registration(obj) for obj in listed.items}


def cluster_gateway_registration(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What fleettui keeps of a ClusterGateway: its name, health and endpoint (never credentials)."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    endpoint = (spec.get("access") or {}).get("endpoint")
    if isinstance(endpoint, dict):  # {type: Const, const: {address}} since cluster-gateway 1.3
        address = (endpoint.get("const") or {}).get("address")
    else:  # older releases: the address itself
        address = endpoint
    return {
        "name": (obj.get("metadata") or {}).get("name"),
        "healthy": bool(status.get("healthy")),
        "healthy_reason": status.get("healthyReason") or "",
        "endpoint": address,
    }


async def _list_vela_clusters(client: ClusterClient) -> dict[str, dict[str, Any]]:
    res = await client.resource("v1", "Secret")
    listed = await client.list(res, namespace=VELA_NAMESPACE, label_selector=VELA_CREDENTIAL_LABEL)
    return {obj["metadata"]["name"]: vela_cluster_registration(obj) for obj in listed.items}


def managed_cluster_registration(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The registration state of an OCM ManagedCluster (cluster.open-cluster-management.io/v1)."""
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    meta = obj.get("metadata") or {}
    joined = condition(obj, "ManagedClusterJoined")
    accepted_c = condition(obj, "HubAcceptedManagedCluster")
    available_c = condition(obj, "ManagedClusterConditionAvailable")
    accepted = bool(spec.get("hubAcceptsClient")) and (
        accepted_c is None or accepted_c.get("status") == "True"
    )
    is_joined = joined is not None and joined.get("status") == "True"
    available = available_c.get("status") if available_c else None
    if not accepted and (accepted_c or {}).get("reason") == "HubClusterAdminDenied":
        state = "denied"
    elif not accepted:
        state = "pending acceptance"
    elif not is_joined:
        state = "not joined"
    elif available == "True":
        state = "available"
    elif available == "False":
        state = "unavailable"
    else:
        state = "unknown"  # the klusterlet stopped renewing its lease
    claims = {
        c.get("name"): c.get("value") for c in status.get("clusterClaims") or [] if c.get("name")
    }
    labels = {
        k: v
        for k, v in (meta.get("labels") or {}).items()
        if not k.startswith(_OCM_INTERNAL_LABELS)
    }
    urls = [c.get("url") for c in spec.get("managedClusterClientConfigs") or [] if c.get("url")]
    message = (available_c or joined or accepted_c or {}).get("message") or ""
    return {
        "name": meta.get("name"),
        "state": state,
        "accepted": accepted,
        "joined": is_joined,
        "available": available,
        "message": message,
        "conditions": [
            {k: c.get(k) for k in ("type", "status", "reason", "message", "lastTransitionTime")}
            for c in status.get("conditions") or []
        ],
        "capacity": dict(status.get("capacity") or {}),
        "allocatable": dict(status.get("allocatable") or {}),
        "version": (status.get("version") or {}).get("kubernetes"),
        "taints": [dict(t) for t in spec.get("taints") or []],
        "claims": claims,
        "clusterset": (meta.get("labels") or {}).get(
            "cluster.open-cluster-management.io/clusterset"
        ),
        "labels": labels,
        "server": urls[0] if urls else None,
        "provider": _lower(
            first_label(labels, _PROVIDER_KEYS) or claims.get("product.open-cluster-management.io")
        ),
        "region": first_label(labels, _REGION_KEYS) or claims.get("region.open-cluster-management.io"),
        "zone": first_label(labels, _ZONE_KEYS),
    }


def vela_cluster_registration(secret: Mapping[str, Any]) -> dict[str, Any]:
    """A KubeVela (cluster-gateway) cluster secret, without its credentials."""
    meta = secret.get("metadata") or {}
    all_labels = meta.get("labels") or {}
    endpoint = _b64((secret.get("data") or {}).get("endpoint")) or (
        secret.get("stringData") or {}
    ).get("endpoint")
    labels = {k: v for k, v in all_labels.items() if not k.startswith(_VELA_INTERNAL_PREFIX)}
    return {
        "name": meta.get("name"),
        "credential_type": all_labels.get(VELA_CREDENTIAL_LABEL),
        "endpoint_type": all_labels.get(VELA_ENDPOINT_TYPE_LABEL),
        "endpoint": endpoint,
        "alias": (meta.get("annotations") or {}).get(VELA_ALIAS_ANNOTATION),
        "labels": labels,
        "server": endpoint,
        "provider": _lower(first_label(labels, _PROVIDER_KEYS)),
        "region": first_label(labels, _REGION_KEYS),
        "zone": first_label(labels, _ZONE_KEYS),
    }


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def _b64(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8").strip() or None
    except (binascii.Error, UnicodeDecodeError):
        return None
