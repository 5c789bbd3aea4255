"""Simulated Kubernetes controllers, driven by the simulator's virtual clock.

`ControllerManager(clusters, clock)` subscribes to every SimCluster's changes;
`step()` reconciles what changed (and what a timer made due) at clock.now();
`await run(interval)` does that forever (manager.py). See runtime.py for why it
is event-driven, and each module for the controller it stands in for:
deployments, replicasets, statefulsets, daemonsets, jobs, pods (scheduler +
kubelet), nodes (heartbeats, node lifecycle), endpoints (Endpoints and
EndpointSlices), namespaces (default ServiceAccount, kube-root-ca.crt).

Documented simulator conventions:
- an image whose tag is `broken` (e.g. `nginx:broken`) never pulls;
- node annotation `sim.fleettui.io/kubelet: stopped` stops that node's kubelet
  (NotReady after 40 s, its pods evicted after 300 s);
- node annotation `sim.fleettui.io/pressure: disk` (memory, pid) reports pressure;
- pod annotation `sim.fleettui.io/run-seconds: "N"` makes a pod exit after N s
  (Job pods default to 5), with `sim.fleettui.io/exit-code: "N"` (default 0; a
  non-zero code alone exits after 3 s: CrashLoopBackOff, or Failed if Never).
"""

from __future__ import annotations

from .manager import ControllerManager
from .runtime import ClusterRuntime

__all__ = ["ClusterRuntime", "ControllerManager"]
