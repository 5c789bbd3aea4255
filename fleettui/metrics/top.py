"""The global view: top-N by CPU, memory, restarts (network where reported) across the
fleet, by cluster, namespace, application or workload, over a range; and an ad-hoc
query's merged answer. Pure functions over `FleetAnswer`s and the cache's owners.

For application and workload, Prometheus sums per owning object (`promql.by_owner`, the
kube_pod_info join the dashboard's pull uses) and the cache says which workload and
application each owner is (`ClusterInventory.owners`): an answer of a series per
ReplicaSet, not one per replica.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fleettui.metrics import promql
from fleettui.prom import FleetAnswer

RANGES = {"15m": 900, "1h": 3600, "6h": 6 * 3600, "24h": 86400}
BYS = ("cluster", "namespace", "app", "workload")
METRICS = ("cpu", "memory", "restarts", "network")
# cluster -> (namespace, "Kind/name" of a pod owner or "Pod/<name>") -> (workload, application)
Owners = Mapping[str, Mapping[tuple[str, str], tuple[str | None, str | None]]]


def queries(by: str, window: str) -> dict[str, str]:
    """One PromQL per metric, averaged over the range (memory: its mean working set)."""
    raw = {
        "cpu": promql.cpu_cores_raw(window),
        "memory": promql.memory_mean_bytes_raw(window),
        "restarts": promql.restarts_raw(window),
        "network": promql.network_bytes_raw(window),
    }
    if by in ("app", "workload"):
        return {metric: promql.by_owner(expr) for metric, expr in raw.items()}
    grp = "sum by (namespace)" if by == "namespace" else "sum"
    return {metric: f"{grp} ({expr})" for metric, expr in raw.items()}


@dataclass
class TopRow:
    cluster: str
    name: str
    values: dict[str, float] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        v = self.values
        return {"cluster": self.cluster, "name": self.name or self.cluster,
                "cpu_m": _round(v.get("cpu"), 1000.0), "memory_b": _round(v.get("memory"), 1.0),
                "restarts": _round(v.get("restarts"), 1.0), "network_bps": _round(v.get("network"), 1.0)}


def _round(v: float | None, scale: float) -> float | None:
    return None if v is None else round(v * scale, 1)


def top(by: str, answers: Mapping[str, FleetAnswer], *, owners: Owners | None = None,
        sort: str = "cpu", limit: int = 10) -> list[TopRow]:
    """Rows by `by`, largest `sort` first. `owners` (the cache's, per cluster) names the
    workload and application of each owner series (owners it does not know, or without
    an application, are left out of app/workload)."""
    rows: dict[tuple[str, str], TopRow] = {}
    for metric, answer in answers.items():
        for s in answer.series():
            m = s.get("metric") or {}
            cluster = m.get("cluster", "")
            try:
                value = float((s.get("value") or [0, "nan"])[1])
            except (TypeError, ValueError):
                continue
            if math.isnan(value):
                continue
            if by == "cluster":
                name = ""
            elif by == "namespace":
                name = m.get("namespace", "")
            else:
                workload, app = (owners or {}).get(cluster, {}).get(promql.owner_of(m), (None, None))
                name = (workload if by == "workload" else app) or ""
                if not name:
                    continue
            row = rows.setdefault((cluster, name), TopRow(cluster, name))
            row.values[metric] = row.values.get(metric, 0.0) + value
    return sorted(rows.values(), key=lambda r: (-r.values.get(sort, 0.0), r.cluster, r.name))[:limit]


def merged(answer: FleetAnswer) -> list[dict[str, Any]]:
    """An ad-hoc query's answer as records with a `cluster` column: an instant vector's
    value, or a range's last/min/max and its points."""
    out = []
    for s in answer.series():
        m = dict(s.get("metric") or {})
        cluster = m.pop("cluster", "")
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(m.items()))
        rec: dict[str, Any] = {"cluster": cluster, "series": "{" + labels + "}"}
        if "values" in s:
            vals = [float(v) for _, v in s["values"]]
            rec.update(last=vals[-1] if vals else None, min=min(vals, default=None),
                       max=max(vals, default=None), points=[[float(t), float(v)] for t, v in s["values"]])
        else:
            rec["value"] = float(s["value"][1]) if s.get("value") else None
        out.append(rec)
    for a in answer.answers.values():  # scalars and strings: one row per cluster
        if a.ok and a.result_type in ("scalar", "string") or (a.ok and isinstance(a.result, list)
                                                              and len(a.result) == 2
                                                              and not isinstance(a.result[0], dict)):
            out.append({"cluster": a.cluster, "series": "", "value": a.result[1]})
    return out
