"""The PromQL the metrics views ask every cluster's Prometheus, in one place.

Series names and labels are those of the kubelet's cAdvisor and kube-state-metrics
(v2), as kube-prometheus scrapes them: `container!=""` drops the pod-level cgroup
series cAdvisor also reports, which would count every pod twice.
"""

from __future__ import annotations

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
