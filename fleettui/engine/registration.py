"""The hub's registration view: ManagedClusterSets with their members, Placements with
their decisions and why, the joining agents' CSRs; and what a detach stops managing.

A PlacementDecision says which clusters a Placement chose but not why (OCM leaves its
`reason` empty), and a ManagedClusterSet's status does not list its members. Both are
what an operator asks first, so they are worked out here from the objects, with OCM's
documented rules: a set holds the clusters labelled with its name (selectorType
ExclusiveClusterSetLabel, the default) or those its label selector matches
(LabelSelector); a Placement sees the sets bound in its namespace, narrowed to
`spec.clusterSets`; taints with effect NoSelect / NoSelectIfNew exclude a cluster the
Placement does not tolerate; predicates (label selectors, ORed) filter; numberOfClusters
keeps the first N. The decisions shown are the hub's own; the reasons only explain them.

Reads only (list and get on the hub); the writes are in `engine/membership.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fleettui.config.objects import condition
from fleettui.engine import membership
from fleettui.engine.selectors import (
    EQUALS,
    EXISTS,
    IN,
    NOT_EXISTS,
    NOT_IN,
    Requirement,
    Selector,
)
from fleettui.kube import errors

if TYPE_CHECKING:
    from fleettui.kube.client import ClusterClient
    from fleettui.store import Store

OCM = membership.OCM
NO_SELECT = ("NoSelect", "NoSelectIfNew")
_OPS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": NOT_EXISTS}


@dataclass(frozen=True)
class ClusterSetRow:
    name: str
    selector: str  # how it picks its clusters, in words
    members: tuple[str, ...]


@dataclass(frozen=True)
class PlacementView:
    namespace: str
    name: str
    clustersets: tuple[str, ...]  # the sets it draws from (bound in its namespace)
    requested: int | None  # numberOfClusters
    satisfied: str  # PlacementSatisfied: True | False | Unknown
    message: str
    decisions: tuple[tuple[str, str], ...]  # (cluster, why chosen), the hub's decisions
    left_out: tuple[tuple[str, str], ...]  # (cluster, why not) for the sets' other members

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class RegistrationView:
    hub: str
    clustersets: tuple[ClusterSetRow, ...]
    placements: tuple[PlacementView, ...]
    pending: tuple[membership.JoinRequest, ...]
    problems: tuple[str, ...] = ()  # a part the hub does not serve, said instead of shown


def label_selector(obj: Mapping[str, Any] | None) -> Selector:
    """A Kubernetes LabelSelector object (matchLabels, matchExpressions) as a Selector."""
    obj = obj or {}
    reqs = [Requirement(str(k), EQUALS, (str(v),)) for k, v in (obj.get("matchLabels") or {}).items()]
    for e in obj.get("matchExpressions") or []:
        op = _OPS.get(e.get("operator", ""))
        if op is not None:
            reqs.append(Requirement(str(e.get("key")), op, tuple(str(v) for v in e.get("values") or ())))
    return Selector(tuple(reqs))


def _selector_text(obj: Mapping[str, Any] | None) -> str:
    obj = obj or {}
    terms = [f"{k}={v}" for k, v in (obj.get("matchLabels") or {}).items()]
    terms += [f"{e.get('key')} {e.get('operator')} ({','.join(e.get('values') or ())})".replace(" ()", "")
              for e in obj.get("matchExpressions") or []]
    return ",".join(terms) or "everything"


def _labels(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def set_members(clusterset: Mapping[str, Any], clusters: Sequence[Mapping[str, Any]]) -> tuple[str, tuple[str, ...]]:
    """(how the set selects, its members by name). Pure."""
    name = clusterset["metadata"]["name"]
    sel = (clusterset.get("spec") or {}).get("clusterSelector") or {}
    if sel.get("selectorType") == "LabelSelector":
        match = label_selector(sel.get("labelSelector"))
        return (f"selector {_selector_text(sel.get('labelSelector'))}",
                tuple(sorted(c["metadata"]["name"] for c in clusters if match.matches(_labels(c)))))
    return (f"label {membership.CLUSTERSET_LABEL.split('/')[-1]}={name}",
            tuple(sorted(c["metadata"]["name"] for c in clusters
                         if _labels(c).get(membership.CLUSTERSET_LABEL) == name)))


def _tolerated(taint: Mapping[str, Any], tolerations: list[Mapping[str, Any]]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _taint_text(t: Mapping[str, Any]) -> str:
    value = f"={t['value']}" if t.get("value") else ""
    return f"{t.get('key')}{value}:{t.get('effect')}"


def explain(placement: Mapping[str, Any], decided: list[str], clusters: Sequence[Mapping[str, Any]],
            sets: dict[str, tuple[str, ...]], bound: set[str]) -> tuple[tuple[tuple[str, str], ...],
                                                                       tuple[tuple[str, str], ...]]:
    """Why each decided cluster was chosen and why each other member of the Placement's
    sets was not. Pure; `decided` is the hub's decision, never second-guessed."""
    spec = placement.get("spec") or {}
    wanted = sorted(set(spec.get("clusterSets") or bound) & bound)
    by_name = {c["metadata"]["name"]: c for c in clusters}
    home: dict[str, str] = {}
    for s in wanted:
        for member in sets.get(s, ()):
            home.setdefault(member, s)
    tolerations = spec.get("tolerations") or []
    predicates = spec.get("predicates") or []
    chosen = []
    for name in decided:
        parts = [f"in set {home[name]}"] if name in home else []
        if predicates:
            parts.append("matches " + " or ".join(
                _selector_text((p.get("requiredClusterSelector") or {}).get("labelSelector")) for p in predicates))
        chosen.append((name, "; ".join(parts) or "decided by the hub"))
    left = []
    n = spec.get("numberOfClusters")
    for name in sorted(set(home) - set(decided)):
        c = by_name.get(name)
        if c is None:
            continue
        taints = [t for t in (c.get("spec") or {}).get("taints") or []
                  if t.get("effect") in NO_SELECT and not _tolerated(t, tolerations)]
        if taints:
            why = "tainted " + ", ".join(_taint_text(t) for t in taints) + " (not tolerated)"
        elif predicates and not any(
                label_selector((p.get("requiredClusterSelector") or {}).get("labelSelector")).matches(_labels(c))
                for p in predicates):
            why = "does not match the predicates"
        elif isinstance(n, int) and len(decided) >= n:
            why = f"numberOfClusters is {n}"
        else:
            why = "not decided yet"
        left.append((name, why))
    return tuple(chosen), tuple(left)


async def _list(client: ClusterClient, kind: str, version: str = "v1beta1") -> list[dict[str, Any]] | None:
    try:
        res = await client.resource(f"{OCM}/{version}", kind)
    except errors.UnknownResource:
        return None
    return (await client.list(res)).items


async def gather(client: ClusterClient) -> RegistrationView:
    """The whole view from the hub: a handful of LISTs, no writes."""
    problems: list[str] = []
    clusters = await _list(client, "ManagedCluster", "v1")
    if clusters is None:
        raise membership.MembershipError(f"hub {client.name} does not serve OCM ManagedClusters")
    set_objs = await _list(client, "ManagedClusterSet", "v1beta2") or []
    sets = {s["metadata"]["name"]: set_members(s, clusters) for s in set_objs}
    rows = tuple(ClusterSetRow(name, how, members) for name, (how, members) in sorted(sets.items()))
    placements = await _list(client, "Placement")
    views: list[PlacementView] = []
    if placements is None:
        problems.append(f"hub {client.name} does not serve OCM Placements")
    else:
        decided: dict[tuple[str, str], list[str]] = {}
        for d in await _list(client, "PlacementDecision") or []:
            owner = _labels(d).get(f"{OCM}/placement")
            if owner:
                decided.setdefault((d["metadata"]["namespace"], owner), []).extend(
                    str(x.get("clusterName")) for x in (d.get("status") or {}).get("decisions") or [])
        bindings: dict[str, set[str]] = {}
        for b in await _list(client, "ManagedClusterSetBinding", "v1beta2") or []:
            bindings.setdefault(b["metadata"]["namespace"], set()).add(
                (b.get("spec") or {}).get("clusterSet") or b["metadata"]["name"])
        members = {name: m for name, (_, m) in sets.items()}
        for p in placements:
            meta, spec = p["metadata"], p.get("spec") or {}
            bound = bindings.get(meta["namespace"], set())
            chosen = sorted(decided.get((meta["namespace"], meta["name"]), []))
            why, left = explain(p, chosen, clusters, members, bound)
            sat = condition(p, "PlacementSatisfied") or {}
            views.append(PlacementView(
                meta["namespace"], meta["name"], tuple(sorted(set(spec.get("clusterSets") or bound) & bound)),
                spec.get("numberOfClusters"), str(sat.get("status") or "Unknown"), str(sat.get("message") or ""),
                why, left))
    try:
        pending = tuple(await membership.pending(client, managed=clusters))
    except errors.UnknownResource:
        pending = ()
        problems.append(f"hub {client.name} does not serve CertificateSigningRequests")
    return RegistrationView(client.name, rows, tuple(sorted(views, key=lambda v: v.key)), pending,
                            tuple(problems))


async def detach_consequences(store: Store, cluster: str) -> list[str]:
    """What stops being managed on `cluster`, from the cache: the applications placed
    there (they are no longer deployed or kept there) and the workloads it runs."""
    from fleettui.store.apps import AppStore

    cells = [c for c in await AppStore(store).matrix(all_hubs=True) if c.cluster == cluster]
    out = []
    if cells:
        names = ", ".join(f"{c.namespace}/{c.app}" for c in cells[:8])
        more = f" and {len(cells) - 8} more" if len(cells) > 8 else ""
        out.append(f"{len(cells)} application(s) placed there stop being deployed and kept: {names}{more}")
    workloads = await store.workloads(cluster)
    if workloads:
        out.append(f"{len(workloads)} workload(s) run there: detach deletes none of them, "
                   "but the hub stops managing them")
    return out
