"""The scheduler's filters that a cache can answer: does a pod with this nodeSelector
and these tolerations fit a node with these labels and taints.

Pure and shared: the DR what-if (dr/capacity.py) and the engine's capacity-aware
placement (engine/placement) must judge a node the same way, so the rule lives
below both. Toleration matching follows core/v1: an empty key with `Exists`
tolerates everything, an empty effect matches every effect; only NoSchedule and
NoExecute keep a new pod off a node (PreferNoSchedule is a preference).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
GPU_RESOURCE = "nvidia.com/gpu"


def tolerates(tolerations: Iterable[Mapping[str, str]], key: str, value: str, effect: str) -> bool:
    for t in tolerations:
        t_effect = t.get("effect") or ""
        if t_effect and t_effect != effect:
            continue
        op = t.get("operator") or "Equal"
        t_key = t.get("key") or ""
        if op == "Exists" and (not t_key or t_key == key):
            return True
        if op == "Equal" and t_key == key and (t.get("value") or "") == (value or ""):
            return True
    return False


def node_admits(*, ready: bool, schedulable: bool, labels: Mapping[str, str],
                taints: Iterable[tuple[str, str, str]], node_selector: Mapping[str, str],
                tolerations: Iterable[Mapping[str, str]]) -> bool:
    """Every filter except resources (those change as pods are placed)."""
    if not ready or not schedulable:
        return False
    if any(labels.get(k) != v for k, v in node_selector.items()):
        return False
    tolerations = list(tolerations)
    return all(effect not in BLOCKING_EFFECTS or tolerates(tolerations, key, value, effect)
               for key, value, effect in taints)
