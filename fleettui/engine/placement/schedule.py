"""A deploy step's placement extensions applied to its rendered placements:
`placement` keeps the clusters with room, `replica-split` divides replicas.

Pure: the capacity snapshot and the previous decision come in, the placements and
the decision (with a reason per cluster, for the plan and the rollouts pane) go
out. A decision is kept for its revision: a Job's own pods use the room it was
placed by, so deciding again on every pass would move it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from fleettui.engine.errors import RenderError
from fleettui.engine.model import Application, Policy
from fleettui.engine.placement.capacity import (
    PRIORITY_LABEL,
    NodeRoom,
    PodNeeds,
    choose_clusters,
    cluster_room,
    explicit_needs,
    pod_needs,
    priority_of,
)
from fleettui.engine.placement.split import split_replicas
from fleettui.engine.placement.spread import choose_spread, split_problem
from fleettui.engine.render import Manifest, MemberCluster, Placement

POLICY_TYPES = ("placement", "replica-split")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "Job")
Decision = dict[str, Any]  # what status.placementDecisions[<policy>] holds


def step_policies(app: Application, policies: Sequence[str]) -> list[Policy]:
    return [p for name in policies if (p := app.policy(name)) is not None and p.type in POLICY_TYPES]


def _workload(pl: Placement, components: Sequence[str] | None) -> Manifest | None:
    return next((m for m in pl.manifests if m.object.get("kind") in WORKLOAD_KINDS
                 and (not components or m.component in components)), None)


def _pods(obj: Mapping[str, Any]) -> int:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Job":
        return int(spec.get("parallelism", 1))
    return int(spec.get("replicas", 1))


def _needs(policy: Policy, obj: Mapping[str, Any]) -> PodNeeds:
    need = pod_needs(obj)
    res = policy.properties.get("resources", "auto")
    return need if res in (None, "auto") else explicit_needs(res, need)


def schedule(app: Application, policies: Sequence[str], placements: list[Placement], *,
             nodes: Mapping[str, Sequence[NodeRoom]], fleet: Sequence[MemberCluster], revision: str,
             previous: Mapping[str, Decision] | None = None) -> tuple[list[Placement], dict[str, Decision]]:
    """The step's placements after its placement / replica-split policies, in the step's
    order, and the decision of each policy."""
    labels = {m.name: m.labels for m in fleet}
    decisions: dict[str, Decision] = {}
    for policy in step_policies(app, policies):
        prev = (previous or {}).get(policy.name)
        if prev is not None and prev.get("revision") != revision:
            prev = None
        if policy.type == "placement":
            placements, decisions[policy.name] = _place(app, policy, placements, nodes, labels, revision, prev)
        else:
            placements, decisions[policy.name] = _split(app, policy, placements, nodes, labels, revision, prev)
    return placements, decisions


def _place(app: Application, policy: Policy, placements: list[Placement], nodes: Mapping[str, Sequence[NodeRoom]],
           labels: Mapping[str, Mapping[str, str]], revision: str,
           prev: Decision | None) -> tuple[list[Placement], Decision]:
    props = policy.properties
    candidates = [pl.cluster for pl in placements]
    if prev is not None and prev.get("clusters") and set(prev["clusters"]) <= set(candidates):
        kept = [pl for pl in placements if pl.cluster in prev["clusters"]]
        return kept, dict(prev)
    label = f"{app.namespace}/{app.name}"
    first = next((w for pl in placements if (w := _workload(pl, props.get("components")))), None)
    if first is None:
        raise RenderError(label, f"placement policy {policy.name!r}: the step renders no workload "
                          f"({', '.join(WORKLOAD_KINDS)}) to size", field=f"policy {policy.name}")
    rooms, pods = {}, 0
    for pl in placements:
        w = _workload(pl, props.get("components")) or first
        pods = _pods(w.object)
        rooms[pl.cluster] = cluster_room(pl.cluster, nodes.get(pl.cluster, ()), _needs(policy, w.object))
    key = props.get("priorityLabel") or PRIORITY_LABEL
    priorities = {c: priority_of(labels.get(c) or {}, key) for c in candidates}
    spread = props.get("spread")
    need = _needs(policy, first.object).describe()
    if spread:
        by, lo = spread["byLabel"], int(spread.get("minGroups", 1))
        count = int(props.get("clusters", lo))
        choice = choose_spread(candidates, rooms, pods=pods, count=count, priorities=priorities,
                               groups={c: (labels.get(c) or {}).get(by) for c in candidates}, min_groups=lo,
                               max_groups=spread.get("maxGroups"), label=by)
        across = sorted({(labels.get(c) or {}).get(by, "") for c in choice.chosen})
        where = f" across {len(across)} {by} group(s) ({', '.join(across)})"
        if not choice.chosen:
            raise RenderError(label, f"placement policy {policy.name!r}: fewer than {lo} {by} group(s) have a "
                              f"cluster with room for {pods} pod(s) of {need}: " + "; ".join(choice.reasons),
                              field=f"policy {policy.name}.properties.spread")
    else:
        count, where = int(props.get("clusters", 1)), ""
        choice = choose_clusters(candidates, rooms, pods=pods, count=count, priorities=priorities)
    if not choice.chosen:
        raise RenderError(label, f"placement policy {policy.name!r}: no cluster has room for {pods} pod(s) "
                          f"of {need}: " + "; ".join(choice.reasons), field=f"policy {policy.name}")
    decision = {"type": "placement", "revision": revision, "clusters": list(choice.chosen),
                "summary": f"{len(choice.chosen)}/{count} cluster(s) with room for {pods} pod(s) of {need}"
                           f"{where}: " + ", ".join(choice.chosen),
                "reasons": list(choice.reasons)}
    return [pl for pl in placements if pl.cluster in choice.chosen], decision


def _split(app: Application, policy: Policy, placements: list[Placement], nodes: Mapping[str, Sequence[NodeRoom]],
           labels: Mapping[str, Mapping[str, str]], revision: str,
           prev: Decision | None) -> tuple[list[Placement], Decision]:
    props = policy.properties
    comps = props.get("components")
    clusters = [pl.cluster for pl in placements]
    if prev is not None and sorted(prev.get("replicas") or {}) == sorted(clusters):
        shares, decision = dict(prev["replicas"]), dict(prev)
    else:
        first = next((w for pl in placements if (w := _workload(pl, comps))), None)
        if first is None:
            raise RenderError(f"{app.namespace}/{app.name}", f"replica-split policy {policy.name!r}: the step "
                              "renders no Deployment or StatefulSet to split", field=f"policy {policy.name}")
        total = int(props["replicas"]) if props.get("replicas") is not None else _pods(first.object)
        if props.get("by") == "capacity":
            weights = {}
            for pl in placements:
                w = _workload(pl, comps) or first
                weights[pl.cluster] = cluster_room(pl.cluster, nodes.get(pl.cluster, ()), pod_needs(w.object)).fits
            how = "by room (replicas that fit: " + ", ".join(f"{c}={n}" for c, n in weights.items()) + ")"
        else:
            given = {w["cluster"]: int(w["weight"]) for w in props.get("weights") or []}
            weights = {c: given.get(c, 0) for c in clusters}
            how = "by weight (" + ", ".join(f"{c}={n}" for c, n in weights.items()) + ")"
        shares = split_replicas(total, weights)
        room = sum(weights.values())
        short = props.get("by") == "capacity" and room < total
        spread, across = props.get("spread"), ""
        if spread:
            groups = {c: (labels.get(c) or {}).get(spread["byLabel"]) for c in clusters}
            why = split_problem(shares, groups, min_groups=int(spread.get("minGroups", 1)),
                                max_groups=spread.get("maxGroups"), label=spread["byLabel"])
            used = sorted({str(groups[c]) for c, n in shares.items() if n > 0 and groups.get(c)})
            across = f" across {len(used)} {spread['byLabel']} group(s) ({', '.join(used)})"
            if why:
                raise RenderError(f"{app.namespace}/{app.name}", f"replica-split policy {policy.name!r}: {why} "
                                  f"({total} replicas {how}: " + ", ".join(f"{c}={n}" for c, n in shares.items())
                                  + ")", field=f"policy {policy.name}.properties.spread")
        decision = {"type": "replica-split", "revision": revision, "replicas": shares,
                    "summary": f"{total} replicas {how}: " + ", ".join(f"{c}={n}" for c, n in shares.items())
                               + (f" (room for only {room})" if short else "") + across,
                    "reasons": [f"{c}: {n} replica(s)" for c, n in shares.items()]}
    out = []
    for pl in placements:
        n = int(shares.get(pl.cluster, 0))
        manifests = tuple(_with_replicas(m, n) if m.object.get("kind") in ("Deployment", "StatefulSet", "ReplicaSet")
                          and (not comps or m.component in comps) else m for m in pl.manifests)
        out.append(dataclasses.replace(pl, manifests=manifests))
    return out, decision


def _with_replicas(m: Manifest, n: int) -> Manifest:
    obj = copy.deepcopy(m.object)
    obj.setdefault("spec", {})["replicas"] = n
    return Manifest(m.component, obj)
