"""Prometheus access for the fleet: one query fanned out to every cluster's own Prometheus.

Sits beside `kube` and `store` (it imports only `config`), so the engine (metric-gated
canaries), alerts (rule checks, alert state) and metrics/cost all ask the same way:
`FleetPrometheus(targets).query("up")` → a `FleetAnswer` with one `ClusterAnswer` each,
partial answers kept and the missing clusters named.
"""

from fleettui.prom.client import (
    ClusterAnswer,
    FleetAnswer,
    FleetPrometheus,
    PromError,
    Target,
    targets_from_fleet,
)

__all__ = ["ClusterAnswer", "FleetAnswer", "FleetPrometheus", "PromError", "Target", "targets_from_fleet"]
