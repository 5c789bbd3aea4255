"""What the simulated fleet contains at start (placeholder: being filled in by the seed work)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClusterSpec:
    name: str
    provider: str
    region: str
    zones: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    nodes: int = 3


BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def cluster_specs(seed: str, count: int) -> list[ClusterSpec]:
    return [
        ClusterSpec(name=f"cluster-{i + 1}", provider="idc", region="local", zones=("local-a",))
        for i in range(count)
    ]


def populate(cluster: Any, spec: ClusterSpec, *, seed: str, rng: random.Random) -> None:
    for ns in BUILTIN_NAMESPACES:
        cluster.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})


def populate_hub(hub: Any, specs: list[ClusterSpec], *, seed: str, base_url: str) -> None:
    for ns in BUILTIN_NAMESPACES:
        hub.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
