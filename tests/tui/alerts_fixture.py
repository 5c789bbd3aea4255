"""Alert state seeded into the frozen fixture cache through the store's writer (the
path `AlertRefresher` uses): a NotReady node, the broken checkout, a pending CPU alert,
one silenced alert, a cluster whose Prometheus stopped answering 7 minutes ago and one
whose Watchdog is silent (its alert pipeline is broken)."""

from __future__ import annotations

from fleettui.store import Store
from fleettui.store.alerts import ALERTMANAGER, AlertRow
from tui.fleet_fixture import DEMO_CLUSTERS, FROZEN_NOW

WATCHDOG_SILENT = "idc-beijing"
PROMETHEUS_DOWN = "edge-shenzhen"


def _watchdog(cluster: str) -> AlertRow:
    return AlertRow(cluster, "Watchdog", "firing",
                    {"alertname": "Watchdog", "severity": "none", "prometheus": "monitoring/k8s"},
                    {"summary": "An alert that should always be firing to certify the pipeline works."},
                    active_at=FROZEN_NOW - 86400, value="1")


def cluster_alerts(cluster: str) -> list[AlertRow]:
    out = [] if cluster == WATCHDOG_SILENT else [_watchdog(cluster)]
    if cluster == "ack-shanghai-b":
        out.append(AlertRow(cluster, "KubeNodeNotReady", "firing",
                            {"alertname": "KubeNodeNotReady", "severity": "critical", "node": f"{cluster}-node-2",
                             "instance": "10.0.4.12:8080", "job": "kube-state-metrics"},
                            {"summary": f"{cluster}-node-2 has been unready for more than 15 minutes."},
                            active_at=FROZEN_NOW - 1500, value="0"))
    if cluster in ("ack-hangzhou-b", "ack-shanghai-b"):
        silenced = cluster == "ack-hangzhou-b"
        out.append(AlertRow(cluster, "KubeDeploymentReplicasMismatch", "silenced" if silenced else "firing",
                            {"alertname": "KubeDeploymentReplicasMismatch", "severity": "warning",
                             "namespace": "shop", "deployment": "checkout", "instance": "10.0.4.11:8080",
                             "job": "kube-state-metrics"},
                            {"summary": "Deployment shop/checkout has not matched the expected number of "
                                        "replicas for longer than 15 minutes."},
                            active_at=FROZEN_NOW - 3000, value="2",
                            silenced_by=("6a1f0c2e-sil",) if silenced else ()))
    if cluster == "eks-us-west-2":
        out.append(AlertRow(cluster, "CPUThrottlingHigh", "pending",
                            {"alertname": "CPUThrottlingHigh", "severity": "info", "namespace": "payments",
                             "pod": "api-7d9f0", "container": "api"},
                            {"summary": "47.3% throttling of CPU in namespace payments for container api."},
                            active_at=FROZEN_NOW - 120, value="0.4731"))
    return out


async def fill_alerts(store: Store, clock) -> None:
    w = store.writer
    for name, *_ in DEMO_CLUSTERS:
        clock.now = FROZEN_NOW - 420 if name == PROMETHEUS_DOWN else FROZEN_NOW - 5
        w.put_alerts(name, cluster_alerts(name))
        await w.flush()
    clock.now = FROZEN_NOW - 5
    w.alert_source(ALERTMANAGER)
    clock.now = FROZEN_NOW
    w.alert_source(PROMETHEUS_DOWN, error="Get \"http://127.0.0.1:9097/api/v1/alerts\": connection refused")
    await w.flush()
