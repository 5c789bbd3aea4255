"""Simulated Kubernetes controllers, driven by the simulator's virtual clock.

`ControllerManager(clusters, clock)` subscribes to every SimCluster's changes;
`step()` reconciles what changed (and what a timer made due) at clock.now();
`await run(interval)` does that forever. See runtime.py for why it is
event-driven, and each module for the controller it stands in for:
deployments, replicasets, statefulsets, daemonsets, jobs, pods (scheduler +
kubelet), nodes (heartbeats, node lifecycle), endpoints (Endpoints and
EndpointSlices), namespaces (default ServiceAccount, kube-root-ca.crt).

Documented simulator conventions:
- an image whose tag is `broken` (e.g. `nginx:broken`) never pulls;
- node annotation `sim.fleettui.io/kubelet: stopped` stops that node's kubelet;
- pod annotation `sim.fleettui.io/run-seconds: "N"` makes a pod exit 0 after N s
  (Job pods default to 5).
"""

from __future__ import annotations

from .runtime import ClusterRuntime, ControllerManager

__all__ = ["ClusterRuntime", "ControllerManager"]
