"""ManagedClusterSets and Placements on the simulated hub (OCM's placement controller, in small).

- A ManagedClusterSet (cluster.open-cluster-management.io/v1beta2) holds the clusters
  labelled `cluster.open-cluster-management.io/clusterset: <set>` (selectorType
  ExclusiveClusterSetLabel, the default), or those its label selector matches
  (selectorType LabelSelector; `global` selects every cluster).
- A Placement (v1beta1) in a namespace sees only the sets bound there by a
  ManagedClusterSetBinding, narrowed to `spec.clusterSets` when given; its predicates
  (label and claim selectors, ORed) filter the clusters, taints with effect
  NoSelect/NoSelectIfNew exclude those not tolerated, and `numberOfClusters` keeps the
  first N by name. The decisions go to a PlacementDecision `<placement>-decision-1`
  labelled `cluster.open-cluster-management.io/placement`, and the count and
  PlacementSatisfied condition to the Placement's status.
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .selectors import parse_label_selector, selector_from_label_selector

GROUP = "cluster.open-cluster-management.io"
MANAGED = f"managedclusters.{GROUP}"
SETS = f"managedclustersets.{GROUP}"
BINDINGS = f"managedclustersetbindings.{GROUP}"
PLACEMENTS = f"placements.{GROUP}"
DECISIONS = f"placementdecisions.{GROUP}"
SET_LABEL = f"{GROUP}/clusterset"
PLACEMENT_LABEL = f"{GROUP}/placement"
_NO_SELECT = ("NoSelect", "NoSelectIfNew")


def _labels(obj: dict) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _matcher(selector: dict | None) -> Any:
    """A matcher for a LabelSelector object; None selects everything."""
    return parse_label_selector(selector_from_label_selector(selector))


def set_members(clusterset: dict, clusters: list[dict]) -> list[str]:
    name = clusterset["metadata"]["name"]
    sel = (clusterset.get("spec") or {}).get("clusterSelector") or {}
    if sel.get("selectorType") == "LabelSelector":
        match = _matcher(sel.get("labelSelector"))
        return [c["metadata"]["name"] for c in clusters if match is None or match(c)]
    return [c["metadata"]["name"] for c in clusters if _labels(c).get(SET_LABEL) == name]


def _tolerated(taint: dict, tolerations: list[dict]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _claims_match(cluster: dict, selector: dict | None) -> bool:
    exprs = (selector or {}).get("matchExpressions") or []
    if not exprs:
        return True
    claims = {c.get("name"): c.get("value") for c in (cluster.get("status") or {}).get("clusterClaims") or []}
    fake = {"metadata": {"labels": {k: v for k, v in claims.items() if k and v is not None}}}
    match = _matcher({"matchExpressions": exprs})
    return match is None or match(fake)


def _predicates_match(cluster: dict, predicates: list[dict]) -> bool:
    if not predicates:
        return True
    for p in predicates:
        required = p.get("requiredClusterSelector") or {}
        match = _matcher(required.get("labelSelector"))
        if (match is None or match(cluster)) and _claims_match(cluster, required.get("claimSelector")):
            return True
    return False


def decide(placement: dict, clusters: list[dict], sets: list[dict], bound: set[str]) -> tuple[list[str], int]:
    """(chosen cluster names, how many were eligible) for one Placement. Pure."""
    spec = placement.get("spec") or {}
    wanted = set(spec.get("clusterSets") or bound) & bound
    eligible_names: set[str] = set()
    for s in sets:
        if s["metadata"]["name"] in wanted:
            eligible_names.update(set_members(s, clusters))
    tolerations = spec.get("tolerations") or []
    chosen = []
    for c in sorted(clusters, key=lambda c: c["metadata"]["name"]):
        if c["metadata"]["name"] not in eligible_names or c["metadata"].get("deletionTimestamp"):
            continue
        taints = (c.get("spec") or {}).get("taints") or []
        if any(t.get("effect") in _NO_SELECT and not _tolerated(t, tolerations) for t in taints):
            continue
        if _predicates_match(c, spec.get("predicates") or []):
            chosen.append(c["metadata"]["name"])
    eligible = len(chosen)
    n = spec.get("numberOfClusters")
    if isinstance(n, int) and n >= 0:
        chosen = chosen[:n]
    return chosen, eligible


class PlacementController:
    def __init__(self, hub: Any) -> None:
        self.hub = hub

    def reconcile(self) -> None:
        if PLACEMENTS not in self.hub.types or SETS not in self.hub.types:
            return  # the hub has no OCM placement API installed
        clusters = self.hub.list(MANAGED)
        sets = self.hub.list(SETS)
        for s in sets:
            self._set_status(s, clusters)
        for p in self.hub.list(PLACEMENTS):
            ns = p["metadata"]["namespace"]
            bound = {(b.get("spec") or {}).get("clusterSet") or b["metadata"]["name"]
                     for b in self.hub.list(BINDINGS, ns)}
            self._place(p, clusters, sets, bound)

    def _set_status(self, clusterset: dict, clusters: list[dict]) -> None:
        members = set_members(clusterset, clusters)
        cond = ({"type": "ClusterSetEmpty", "status": "False", "reason": "ClustersSelected",
                 "message": f"{len(members)} ManagedClusters selected"} if members else
                {"type": "ClusterSetEmpty", "status": "True", "reason": "NoClusterMatched",
                 "message": "No ManagedCluster selected"})
        old = (clusterset.get("status") or {}).get("conditions") or []
        same = old and all(old[0].get(k) == v for k, v in cond.items())
        if not same:
            cond["lastTransitionTime"] = self.hub.clock.iso()
            self.hub.set_status(SETS, None, clusterset["metadata"]["name"], {"conditions": [cond]})

    def _place(self, placement: dict, clusters: list[dict], sets: list[dict], bound: set[str]) -> None:
        ns, name = placement["metadata"]["namespace"], placement["metadata"]["name"]
        try:
            chosen, _ = decide(placement, clusters, sets, bound)
            misconfigured = ""
        except ApiError as exc:  # a selector the apiserver would have refused
            chosen, misconfigured = [], exc.message
        dname = f"{name}-decision-1"
        decisions = [{"clusterName": c, "reason": ""} for c in chosen]
        existing = self.hub.get(DECISIONS, ns, dname)
        if existing is None:
            self.hub.create(DECISIONS, {
                "apiVersion": f"{GROUP}/v1beta1", "kind": "PlacementDecision",
                "metadata": {"name": dname, "namespace": ns,
                             "labels": {PLACEMENT_LABEL: name,
                                        f"{GROUP}/decision-group-index": "0"},
                             "ownerReferences": [{"apiVersion": f"{GROUP}/v1beta1", "kind": "Placement",
                                                  "name": name, "uid": placement["metadata"]["uid"],
                                                  "controller": True, "blockOwnerDeletion": True}]}})
        self.hub.set_status(DECISIONS, ns, dname, {"decisions": decisions})
        n = (placement.get("spec") or {}).get("numberOfClusters")
        satisfied = n is None or len(chosen) >= n
        now = self.hub.clock.iso()
        old = {c.get("type"): c for c in (placement.get("status") or {}).get("conditions") or []}

        def cond(type_: str, status: str, reason: str, message: str) -> dict:
            prev = old.get(type_)
            since = prev["lastTransitionTime"] if prev and prev.get("status") == status else now
            return {"type": type_, "status": status, "reason": reason, "message": message,
                    "lastTransitionTime": since}

        status = {
            "numberOfSelectedClusters": len(chosen),
            "decisionGroups": [{"decisionGroupIndex": 0, "decisionGroupName": "",
                                "decisions": [dname], "clustersCount": len(chosen)}],
            "conditions": [
                cond("PlacementMisconfigured", "True" if misconfigured else "False",
                     "Misconfigured" if misconfigured else "Succeedconfigured",
                     misconfigured or "Placement configurations check pass"),
                cond("PlacementSatisfied", "True" if satisfied else "False",
                     "AllDecisionsScheduled" if satisfied else "NotAllDecisionsScheduled",
                     "All cluster decisions scheduled" if satisfied else
                     f"{len(chosen)} cluster decisions scheduled, {n - len(chosen) if n else 0} unscheduled"),
            ],
        }
        self.hub.set_status(PLACEMENTS, ns, name, status)
