"""Dividing one workload's replicas across clusters, as Karmada's replicaScheduling
`Divided` does: each cluster gets floor(total × weight / Σweights), and the
remainder goes one replica at a time to the clusters in order of weight (highest
first, then name). Static weights come from the policy; dynamic ones are the
replicas each cluster has room for (Karmada's `DynamicWeight: AvailableReplicas`,
ACK One's dynamic weight).
"""

from __future__ import annotations

from collections.abc import Mapping


def split_replicas(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Every cluster of `weights` with its share (0 included); sums to `total` when
    any weight is positive, else every share is 0."""
    out = {c: 0 for c in weights}
    live = {c: w for c, w in weights.items() if w > 0}
    whole = sum(live.values())
    if total <= 0 or not whole:
        return out
    for c, w in live.items():
        out[c] = total * w // whole
    left = total - sum(out.values())
    for c in sorted(live, key=lambda c: (-live[c], c))[:left]:
        out[c] += 1
    return out
