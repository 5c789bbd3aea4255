"""Waves of a batched deploy step: which clusters go together, in which order.

`batches` (a fleettui extension of the deploy step):
  size: N            clusters per wave, or
  size: [0.1, 0.5]   cumulative fractions of the clusters done after each wave
                     (a last wave takes the rest, as Argo Rollouts' setWeight steps end at 100)
  order: {byLabel: KEY}        highest integer value of the cluster label first
                               (clusters without it last), or
  order: {clusters: [a, b]}    these first, in this order, then the rest
  pauseAfterFirst: true        suspend after the first wave is healthy (resume to go on)
  healthCheck: true            the next wave waits for this one to be healthy (default)
  progressDeadline: "10m"      a wave not healthy by then fails the step
Ties keep the topology's order, so the same fleet always gives the same waves.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.engine.durations import parse_duration

DEFAULT_PROGRESS_DEADLINE = 600.0


@dataclass(frozen=True)
class Batches:
    size: int | None = None
    fractions: tuple[float, ...] = ()
    order_label: str | None = None
    order_clusters: tuple[str, ...] = ()
    pause_after_first: bool = False
    health_check: bool = True
    progress_deadline: float = DEFAULT_PROGRESS_DEADLINE


def problems(props: Any, path: str) -> list[tuple[str, str]]:
    """(field, message) for every invalid part of a `batches` mapping."""
    if not isinstance(props, dict):
        return [(path, "must be a mapping")]
    out: list[tuple[str, str]] = []
    for key in props:
        if key not in ("size", "order", "pauseAfterFirst", "healthCheck", "progressDeadline"):
            out.append((f"{path}.{key}", "unknown field (size, order, pauseAfterFirst, healthCheck, "
                                         "progressDeadline)"))
    size = props.get("size")
    if isinstance(size, list):
        if not size or not all(isinstance(f, int | float) and not isinstance(f, bool) and 0 < f <= 1 for f in size) \
                or list(size) != sorted(size):
            out.append((f"{path}.size", "fractions must be increasing numbers in (0, 1]"))
    elif not (isinstance(size, int) and not isinstance(size, bool) and size >= 1):
        out.append((f"{path}.size", "required: a positive number of clusters per wave, or a list of fractions"))
    order = props.get("order")
    if order is not None:
        if not isinstance(order, dict) or len(order) != 1 or not (
                isinstance(order.get("byLabel"), str) and order["byLabel"]
                or isinstance(order.get("clusters"), list) and all(isinstance(c, str) for c in order["clusters"])):
            out.append((f"{path}.order", "must be {byLabel: <label key>} or {clusters: [<name>, ...]}"))
    for key in ("pauseAfterFirst", "healthCheck"):
        if key in props and not isinstance(props[key], bool):
            out.append((f"{path}.{key}", "must be true or false"))
    if props.get("progressDeadline") is not None:
        try:
            parse_duration(props["progressDeadline"])
        except ValueError as exc:
            out.append((f"{path}.progressDeadline", str(exc)))
    return out


def parse(props: Mapping[str, Any]) -> Batches:
    """A validated `batches` mapping as values."""
    size = props.get("size")
    order = props.get("order") or {}
    deadline = props.get("progressDeadline")
    return Batches(
        size=size if isinstance(size, int) else None,
        fractions=tuple(float(f) for f in size) if isinstance(size, list) else (),
        order_label=order.get("byLabel"),
        order_clusters=tuple(order.get("clusters") or ()),
        pause_after_first=bool(props.get("pauseAfterFirst", False)),
        health_check=bool(props.get("healthCheck", True)),
        progress_deadline=parse_duration(deadline) if deadline is not None else DEFAULT_PROGRESS_DEADLINE,
    )


def _priority(labels: Mapping[str, str], key: str) -> int | None:
    try:
        return int(labels.get(key, ""))
    except ValueError:
        return None


def ordered(clusters: Sequence[str], labels: Mapping[str, Mapping[str, str]], b: Batches) -> list[str]:
    if b.order_label:
        key = b.order_label

        def rank(item: tuple[int, str]) -> tuple[int, int, int]:
            p = _priority(labels.get(item[1]) or {}, key)
            return (1, 0, item[0]) if p is None else (0, -p, item[0])

        return [c for _, c in sorted(enumerate(clusters), key=rank)]
    if b.order_clusters:
        first = [c for c in b.order_clusters if c in clusters]
        return first + [c for c in clusters if c not in first]
    return list(clusters)


def plan_waves(clusters: Sequence[str], labels: Mapping[str, Mapping[str, str]], b: Batches) -> list[list[str]]:
    """The waves, in order; every cluster in exactly one."""
    order = ordered(list(dict.fromkeys(clusters)), labels, b)
    n = len(order)
    if not n:
        return []
    if b.size is not None:
        return [order[i:i + b.size] for i in range(0, n, b.size)]
    ends = [min(n, max(1, math.ceil(f * n - 1e-9))) for f in b.fractions]
    if not ends or ends[-1] < n:
        ends.append(n)
    waves, start = [], 0
    for end in ends:
        if end > start:  # two fractions that round to the same count make one wave
            waves.append(order[start:end])
            start = end
    return waves
