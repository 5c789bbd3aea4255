"""The description of one member cluster that the seed modules build a fleet from.

Its own module because all three seed modules use it: seed.py makes the specs,
seed_catalog.py and seed_hub.py turn them into objects, and seed.py imports both
of those (so none of them can hold it without an import circle).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClusterSpec:
    """One member cluster of the fleet: identity, placement and size."""

    name: str
    provider: str
    region: str
    zones: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    nodes: int = 5
    env: str = "prod"
    kubelet_version: str = "v1.32.7"
    instance_type: str = ""
    node_cpu: int = 8
    node_memory_gi: int = 32
    arch: str = "amd64"
    index: int = 0
    deployments: int = 40
    services: int = 40
    pods: int = 120
    pending_pod: bool = False
    broken_deployment: bool = False
    not_ready_node: bool = False
    disk_pressure_node: bool = False
    crash_loop: bool = False
    hub_available: bool = True
    profile: str = "standard"  # "standard" (the demo's clusters) or "edge" (small sites)

    @property
    def version(self) -> str:
        """The server's gitVersion (/version); the control plane runs the kubelets' version."""
        return self.kubelet_version
