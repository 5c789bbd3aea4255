"""Spreading a placement's clusters over groups of clusters — regions, zones, providers:
any cluster label — as Karmada's `spreadConstraints` (spreadByLabel, minGroups,
maxGroups) and ACK One's spread by region do, so that losing one region does not
lose the whole workload.

KubeVela's topology policy picks clusters by name or label only; it cannot say "at
least two regions", so this is a fleettui extension, under the `placement` policy
(`spread: {byLabel, minGroups, maxGroups}`), refused by a Kubernetes hub with the
rest of the policy (extensions.py). Pure: rooms and labels in, a choice out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fleettui.engine.placement.capacity import Choice, ClusterRoom

KEYS = {"byLabel", "minGroups", "maxGroups"}


def problems(spread: Any, clusters: Any, path: str) -> list[tuple[str, str]]:
    """(field, message) for a placement policy's `spread`, checked with its `clusters`."""
    if not isinstance(spread, dict):
        return [(path, "must be a mapping: {byLabel: <cluster label>, minGroups: <n>, maxGroups: <n>}")]
    out = [(f"{path}.{k}", f"field {k!r} is not supported (supported: {', '.join(sorted(KEYS))})")
           for k in spread if k not in KEYS]
    if not (isinstance(spread.get("byLabel"), str) and spread["byLabel"]):
        out.append((f"{path}.byLabel", "required: the cluster label whose values are the groups "
                                       "(e.g. topology.kubernetes.io/region)"))
    lo, hi = spread.get("minGroups", 1), spread.get("maxGroups")
    for key, value in (("minGroups", lo), ("maxGroups", hi)):
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            out.append((f"{path}.{key}", "must be a positive integer"))
    if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
        out.append((f"{path}.maxGroups", f"must be at least minGroups ({lo})"))
    if isinstance(lo, int) and isinstance(clusters, int) and clusters < lo:
        out.append((f"{path}.minGroups", f"{lo} groups need at least {lo} clusters (clusters: {clusters})"))
    return out


def choose_spread(candidates: Sequence[str], rooms: Mapping[str, ClusterRoom], *, pods: int, count: int,
                  priorities: Mapping[str, int], groups: Mapping[str, str | None], min_groups: int,
                  max_groups: int | None, label: str) -> Choice:
    """`count` candidates with room for all `pods`, covering at least `min_groups` and at
    most `max_groups` values of `label`. Groups rank by their best cluster (most room,
    then priority, then the topology's order); the best cluster of each of the first
    `min_groups` groups is taken first, then the best of the rest within the allowed
    groups. Fewer than `min_groups` groups with room: nothing is chosen."""
    order = {c: i for i, c in enumerate(candidates)}

    def rank(c: str) -> tuple[int, int, int]:
        return -rooms[c].fits, -priorities.get(c, 0), order[c]

    able = sorted((c for c in candidates if rooms[c].fits >= pods and groups.get(c)), key=rank)
    by_group: dict[str, list[str]] = {}
    for c in able:
        by_group.setdefault(str(groups[c]), []).append(c)
    ranked_groups = list(by_group)  # insertion order follows `able`: best cluster first
    allowed = ranked_groups[:max_groups] if max_groups else ranked_groups
    chosen: list[str] = []
    if len(ranked_groups) >= min_groups:
        chosen = [by_group[g][0] for g in allowed[:min_groups]]
        rest = [c for c in able if str(groups[c]) in allowed and c not in chosen]
        chosen += rest[:max(0, count - len(chosen))]
    reasons = []
    for c in (*chosen, *(x for x in candidates if x not in chosen)):
        g = groups.get(c)
        if c in chosen:
            verdict = "chosen"
        elif not g:
            verdict = f"not chosen: no {label} label, in no group"
        elif rooms[c].fits < pods:
            verdict = f"not chosen: needs room for {pods} pod(s)"
        elif len(ranked_groups) < min_groups:
            verdict = f"not chosen: only {len(ranked_groups)} {label} group(s) with room, {min_groups} required"
        elif str(g) not in allowed:
            verdict = f"not chosen: {label}={g} is past maxGroups {max_groups}"
        else:
            verdict = "not chosen: others have more room"
        reasons.append(f"{c}: {verdict}; {label}={g or '-'}; {rooms[c].describe()}; priority {priorities.get(c, 0)}")
    return Choice(tuple(chosen), tuple(reasons))


def split_problem(shares: Mapping[str, int], groups: Mapping[str, str | None], *, min_groups: int,
                  max_groups: int | None, label: str) -> str | None:
    """Why a replica split breaks the spread, or None: the clusters given replicas must
    span at least `min_groups` (at most `max_groups`) values of `label`. The split itself
    stays the weights' or the room's (Karmada divides among the clusters its spread
    constraints selected; a split that cannot meet them is not scheduled at all)."""
    used: dict[str, int] = {}
    for c, n in shares.items():
        if n > 0 and groups.get(c):
            used[str(groups[c])] = used.get(str(groups[c]), 0) + n
    if min_groups <= len(used) <= (max_groups or len(used)):
        return None
    got = ", ".join(f"{g}={n}" for g, n in sorted(used.items())) or "none"
    want = f"at least {min_groups}" + (f" and at most {max_groups}" if max_groups else "")
    return f"the replicas land in {len(used)} {label} group(s) ({got}); the spread needs {want}"
