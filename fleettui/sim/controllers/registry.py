"""Which controller reconciles which resource, in the order a pass runs them.

Order matters only for latency inside one step: owners before what they own
(Deployment -> ReplicaSet -> Pod) and pods before the Services that list them,
so one step carries a change as far as it can go.
"""

from __future__ import annotations

from . import (
    daemonsets,
    deployments,
    endpoints,
    jobs,
    namespaces,
    nodes,
    pods,
    replicasets,
    statefulsets,
)
from .runtime import Reconciler

# resources watched only to route their changes to an owner (slices -> Service)
EXTRA_WATCHED = {"endpoints", "endpointslices.discovery.k8s.io"}


def reconcilers() -> dict[str, Reconciler]:
    return {
        namespaces.RESOURCE: namespaces.reconcile,
        nodes.RESOURCE: nodes.reconcile,
        deployments.RESOURCE: deployments.reconcile,
        replicasets.RESOURCE: replicasets.reconcile,
        statefulsets.RESOURCE: statefulsets.reconcile,
        daemonsets.RESOURCE: daemonsets.reconcile,
        jobs.RESOURCE: jobs.reconcile,
        pods.RESOURCE: pods.reconcile,
        endpoints.RESOURCE: endpoints.reconcile,
    }
