"""The PromQL the metrics views ask every cluster's Prometheus, in one place.

Series names and labels are those of the kubelet's cAdvisor and kube-state-metrics
(v2), as kube-prometheus scrapes them: `container!=""` drops the pod-level cgroup
series cAdvisor also reports, which would count every pod twice.
"""

from __future__ import annotations

from collections.abc import Mapping

CONTAINERS = 'container!="",container!="POD"'
DEFAULT_RATE_WINDOW = "5m"


def cpu_cores(by: str, window: str = DEFAULT_RATE_WINDOW) -> str:
    return f"sum by ({by}) (rate(container_cpu_usage_seconds_total{{{CONTAINERS}}}[{window}]))"


def memory_bytes(by: str) -> str:
    return f"sum by ({by}) (container_memory_working_set_bytes{{{CONTAINERS}}})"


def restarts(by: str, window: str) -> str:
    return f"sum by ({by}) (increase(kube_pod_container_status_restarts_total[{window}]))"


def network_bytes(by: str, window: str) -> str:
    """Receive + transmit rate, where cAdvisor reports it (the simulator does not)."""
    return (f"sum by ({by}) (rate(container_network_receive_bytes_total[{window}])"
            f" + rate(container_network_transmit_bytes_total[{window}]))")


# Per pod, the series would be one per replica: Prometheus sums them by the pod's owner
# (kube-state-metrics' kube_pod_info names it: a ReplicaSet, StatefulSet, Job...) and the
# answer holds a series per owner; pods without one (bare pods) come back by name. The
# cache maps owners to workloads and applications. `max by` keeps the join one-to-one
# while kube_pod_info briefly has two series for a pod (its IP changed between scrapes).
OWNERS = ('max by (namespace, pod, created_by_kind, created_by_name)'
          ' (kube_pod_info{created_by_name!=""})')
OWNED = 'on (namespace, pod) group_left (created_by_kind, created_by_name)'


def by_owner(expr: str) -> str:
    """`expr` (a vector with namespace and pod labels) summed per owning object, bare pods per pod."""
    return (f"sum by (namespace, created_by_kind, created_by_name) (({expr}) * {OWNED} {OWNERS})"
            f" or sum by (namespace, pod) (({expr}) unless on (namespace, pod) {OWNERS})")


def owner_of(metric: Mapping[str, str]) -> tuple[str, str]:
    """(namespace, owner) of a `by_owner` series: "Kind/name" of the owning object, or
    "Pod/<name>" for a bare pod (the cache's `ClusterInventory.owners` keys)."""
    owner = (f"{metric.get('created_by_kind', '')}/{metric['created_by_name']}" if metric.get("created_by_name")
             else f"Pod/{metric.get('pod', '')}")
    return metric.get("namespace", ""), owner


def cpu_cores_raw(window: str = DEFAULT_RATE_WINDOW) -> str:
    return f"rate(container_cpu_usage_seconds_total{{{CONTAINERS}}}[{window}])"


def memory_bytes_raw() -> str:
    return f"container_memory_working_set_bytes{{{CONTAINERS}}}"


def memory_mean_bytes_raw(window: str) -> str:
    """The working set averaged over `window` (a top-N over a range ranks by its mean)."""
    return f"avg_over_time(container_memory_working_set_bytes{{{CONTAINERS}}}[{window}])"


def restarts_raw(window: str) -> str:
    return f"increase(kube_pod_container_status_restarts_total[{window}])"


def network_bytes_raw(window: str = DEFAULT_RATE_WINDOW) -> str:
    """Receive + transmit rate, where cAdvisor reports it (per pod, not per container)."""
    return (f"sum by (namespace, pod) (rate(container_network_receive_bytes_total[{window}]))"
            f" + sum by (namespace, pod) (rate(container_network_transmit_bytes_total[{window}]))")
