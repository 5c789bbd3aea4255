"""Server-side printing: `meta.k8s.io/v1 Table` answers, which `kubectl get` asks for.

The columns follow the apiserver's printers (pkg/printers/internalversion) for the
kinds whose `kubectl get` output people know; other kinds get NAME and AGE, and custom
resources their CRD's additionalPrinterColumns (as the apiserver does).
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Mapping
from typing import Any

from fleettui.sim import jsonpath
from fleettui.sim.cluster import SimCluster
from fleettui.sim.resources import ResourceType
from fleettui.sim.selectors import selector_from_label_selector

Row = Callable[[dict[str, Any], float], list[Any]]


def _ts(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < 0:
        return "<invalid>"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = s // 3600
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        return f"{h // 24}d{h % 24}h" if h % 24 else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        y = h // (24 * 365)
        d = (h // 24) % 365
        return f"{y}y{d}d" if d else f"{y}y"
    return f"{h // (24 * 365)}y"


def _age(obj: dict[str, Any], now: float) -> str:
    t = _ts(obj.get("metadata", {}).get("creationTimestamp"))
    return "<unknown>" if t is None else human_duration(now - t)


def _name(o: dict[str, Any]) -> str:
    return o["metadata"]["name"]


def _pod_row(o: dict[str, Any], now: float) -> list[Any]:
    spec, status = o.get("spec") or {}, o.get("status") or {}
    statuses = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    reason = status.get("reason") or status.get("phase") or "Unknown"
    for c in statuses:
        state = c.get("state") or {}
        if "waiting" in state and state["waiting"].get("reason"):
            reason = state["waiting"]["reason"]
        elif "terminated" in state:
            reason = state["terminated"].get("reason") or "Terminated"
    if o["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return [_name(o), f"{ready}/{total}", reason, restarts, _age(o, now),
            status.get("podIP") or "<none>", spec.get("nodeName") or "<none>", "<none>", "<none>"]


def _deploy_row(o: dict[str, Any], now: float) -> list[Any]:
    spec, st = o.get("spec") or {}, o.get("status") or {}
    want = spec.get("replicas", 1)
    return [_name(o), f"{st.get('readyReplicas', 0)}/{want}", st.get("updatedReplicas", 0),
            st.get("availableReplicas", 0), _age(o, now)]


def _sts_row(o: dict[str, Any], now: float) -> list[Any]:
    st = o.get("status") or {}
    return [_name(o), f"{st.get('readyReplicas', 0)}/{(o.get('spec') or {}).get('replicas', 1)}", _age(o, now)]


def _rs_row(o: dict[str, Any], now: float) -> list[Any]:
    st = o.get("status") or {}
    return [_name(o), (o.get("spec") or {}).get("replicas", 1), st.get("replicas", 0),
            st.get("readyReplicas", 0), _age(o, now)]


def _ds_row(o: dict[str, Any], now: float) -> list[Any]:
    st = o.get("status") or {}
    sel = ((o.get("spec") or {}).get("template") or {}).get("spec", {}).get("nodeSelector") or {}
    return [_name(o), st.get("desiredNumberScheduled", 0), st.get("currentNumberScheduled", 0),
            st.get("numberReady", 0), st.get("updatedNumberScheduled", 0), st.get("numberAvailable", 0),
            ",".join(f"{k}={v}" for k, v in sel.items()) or "<none>", _age(o, now)]


def _svc_row(o: dict[str, Any], now: float) -> list[Any]:
    spec = o.get("spec") or {}
    ports = ",".join(
        f"{p.get('port')}{':' + str(p['nodePort']) if p.get('nodePort') else ''}/{p.get('protocol', 'TCP')}"
        for p in spec.get("ports") or []) or "<none>"
    ingress = ((o.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = ",".join(i.get("ip") or i.get("hostname") or "" for i in ingress) or (
        "<pending>" if spec.get("type") == "LoadBalancer" else "<none>")
    return [_name(o), spec.get("type", "ClusterIP"), spec.get("clusterIP") or "<none>", external, ports,
            _age(o, now), selector_from_label_selector({"matchLabels": spec.get("selector") or {}}) or "<none>"]


def _node_row(o: dict[str, Any], now: float) -> list[Any]:
    st = o.get("status") or {}
    ready = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), None)
    status = "Ready" if ready and ready.get("status") == "True" else ("NotReady" if ready else "Unknown")
    if (o.get("spec") or {}).get("unschedulable"):
        status += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in (o["metadata"].get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/")) or ["<none>"]
    return [_name(o), status, ",".join(roles), _age(o, now),
            (st.get("nodeInfo") or {}).get("kubeletVersion", "")]


def _ns_row(o: dict[str, Any], now: float) -> list[Any]:
    return [_name(o), (o.get("status") or {}).get("phase", "Active"), _age(o, now)]


def _job_row(o: dict[str, Any], now: float) -> list[Any]:
    st, spec = o.get("status") or {}, o.get("spec") or {}
    conds = {c.get("type"): c.get("status") for c in st.get("conditions") or []}
    status = "Complete" if conds.get("Complete") == "True" else (
        "Failed" if conds.get("Failed") == "True" else "Running")
    start, end = _ts(st.get("startTime")), _ts(st.get("completionTime"))
    dur = human_duration((end or now) - start) if start else ""
    return [_name(o), status, f"{st.get('succeeded', 0)}/{spec.get('completions', 1)}", dur, _age(o, now)]


def _cronjob_row(o: dict[str, Any], now: float) -> list[Any]:
    spec, st = o.get("spec") or {}, o.get("status") or {}
    last = _ts(st.get("lastScheduleTime"))
    return [_name(o), spec.get("schedule", ""), spec.get("timeZone") or "<none>", bool(spec.get("suspend")),
            len(st.get("active") or []), human_duration(now - last) if last else "<none>", _age(o, now)]


def _cm_row(o: dict[str, Any], now: float) -> list[Any]:
    return [_name(o), len(o.get("data") or {}) + len(o.get("binaryData") or {}), _age(o, now)]


def _secret_row(o: dict[str, Any], now: float) -> list[Any]:
    return [_name(o), o.get("type", "Opaque"), len(o.get("data") or {}), _age(o, now)]


def _event_row(o: dict[str, Any], now: float) -> list[Any]:
    inv = o.get("involvedObject") or {}
    last = _ts(o.get("lastTimestamp")) or _ts(o.get("metadata", {}).get("creationTimestamp"))
    return [human_duration(now - last) if last else "<unknown>", o.get("type", ""), o.get("reason", ""),
            f"{(inv.get('kind') or '').lower()}/{inv.get('name', '')}", o.get("message", "")]


def _ingress_row(o: dict[str, Any], now: float) -> list[Any]:
    spec = o.get("spec") or {}
    hosts = ",".join(r.get("host", "*") for r in spec.get("rules") or []) or "*"
    lb = ((o.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ports = "80, 443" if spec.get("tls") else "80"
    return [_name(o), spec.get("ingressClassName") or "<none>", hosts,
            ",".join(i.get("ip") or i.get("hostname") or "" for i in lb), ports, _age(o, now)]


def _hpa_row(o: dict[str, Any], now: float) -> list[Any]:
    spec, st = o.get("spec") or {}, o.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    targets = []
    current = {m.get("resource", {}).get("name"): m for m in st.get("currentMetrics") or []}
    for m in spec.get("metrics") or []:
        res = m.get("resource") or {}
        want = (res.get("target") or {}).get("averageUtilization")
        cur = ((current.get(res.get("name")) or {}).get("resource") or {}).get("current", {})
        have = cur.get("averageUtilization")
        targets.append(f"{res.get('name')}: {'<unknown>' if have is None else f'{have}%'}/{want}%")
    return [_name(o), f"{ref.get('kind', '')}/{ref.get('name', '')}", ", ".join(targets) or "<none>",
            spec.get("minReplicas", 1), spec.get("maxReplicas", 0), st.get("currentReplicas", 0), _age(o, now)]


def _sa_row(o: dict[str, Any], now: float) -> list[Any]:
    return [_name(o), len(o.get("secrets") or []), _age(o, now)]


def _endpoints_row(o: dict[str, Any], now: float) -> list[Any]:
    addrs = [f"{a.get('ip')}:{p.get('port')}" for sub in o.get("subsets") or []
             for a in sub.get("addresses") or [] for p in (sub.get("ports") or [{}])]
    shown = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [_name(o), shown or "<none>", _age(o, now)]


def _slice_row(o: dict[str, Any], now: float) -> list[Any]:
    ports = ",".join(str(p.get("port")) for p in o.get("ports") or []) or "<unset>"
    addrs = [a for e in o.get("endpoints") or [] for a in e.get("addresses") or []]
    shown = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [_name(o), o.get("addressType", ""), ports, shown or "<unset>", _age(o, now)]


def _pvc_row(o: dict[str, Any], now: float) -> list[Any]:
    spec, st = o.get("spec") or {}, o.get("status") or {}
    modes = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return [_name(o), st.get("phase", "Pending"), spec.get("volumeName", ""),
            (st.get("capacity") or {}).get("storage", ""),
            ",".join(modes.get(m, m) for m in st.get("accessModes") or []),
            spec.get("storageClassName") or "<unset>", _age(o, now)]


def _crd_row(o: dict[str, Any], now: float) -> list[Any]:
    return [_name(o), o["metadata"].get("creationTimestamp", "")]


def _col(name: str, type_: str = "string", priority: int = 0, fmt: str = "") -> dict[str, Any]:
    return {"name": name, "type": type_, "format": fmt, "description": name, "priority": priority}


_NAME = _col("Name", fmt="name")
_AGE = _col("Age", "date")
_COLUMNS: dict[str, tuple[list[dict[str, Any]], Row]] = {
    "pods": ([_NAME, _col("Ready"), _col("Status"), _col("Restarts", "integer"), _AGE, _col("IP", priority=1),
              _col("Node", priority=1), _col("Nominated Node", priority=1), _col("Readiness Gates", priority=1)],
             _pod_row),
    "deployments.apps": ([_NAME, _col("Ready"), _col("Up-to-date", "integer"), _col("Available", "integer"), _AGE],
                         _deploy_row),
    "statefulsets.apps": ([_NAME, _col("Ready"), _AGE], _sts_row),
    "replicasets.apps": ([_NAME, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
                          _AGE], _rs_row),
    "daemonsets.apps": ([_NAME, _col("Desired", "integer"), _col("Current", "integer"), _col("Ready", "integer"),
                         _col("Up-to-date", "integer"), _col("Available", "integer"), _col("Node Selector"), _AGE],
                        _ds_row),
    "services": ([_NAME, _col("Type"), _col("Cluster-IP"), _col("External-IP"), _col("Port(s)"), _AGE,
                  _col("Selector", priority=1)], _svc_row),
    "nodes": ([_NAME, _col("Status"), _col("Roles"), _AGE, _col("Version")], _node_row),
    "namespaces": ([_NAME, _col("Status"), _AGE], _ns_row),
    "jobs.batch": ([_NAME, _col("Status"), _col("Completions"), _col("Duration"), _AGE], _job_row),
    "cronjobs.batch": ([_NAME, _col("Schedule"), _col("Timezone"), _col("Suspend", "boolean"),
                        _col("Active", "integer"), _col("Last Schedule"), _AGE], _cronjob_row),
    "configmaps": ([_NAME, _col("Data", "integer"), _AGE], _cm_row),
    "secrets": ([_NAME, _col("Type"), _col("Data", "integer"), _AGE], _secret_row),
    "ingresses.networking.k8s.io": ([_NAME, _col("Class"), _col("Hosts"), _col("Address"), _col("Ports"), _AGE],
                                    _ingress_row),
    "horizontalpodautoscalers.autoscaling": ([_NAME, _col("Reference"), _col("Targets"),
                                              _col("MinPods", "integer"), _col("MaxPods", "integer"),
                                              _col("Replicas", "integer"), _AGE], _hpa_row),
    "serviceaccounts": ([_NAME, _col("Secrets", "integer"), _AGE], _sa_row),
    "endpoints": ([_NAME, _col("Endpoints"), _AGE], _endpoints_row),
    "endpointslices.discovery.k8s.io": ([_NAME, _col("AddressType"), _col("Ports"), _col("Endpoints"), _AGE],
                                        _slice_row),
    "persistentvolumeclaims": ([_NAME, _col("Status"), _col("Volume"), _col("Capacity"), _col("Access Modes"),
                                _col("StorageClass"), _AGE], _pvc_row),
    "customresourcedefinitions.apiextensions.k8s.io": ([_NAME, _col("Created At", "date")], _crd_row),
    "events": ([_col("Last Seen"), _col("Type"), _col("Reason"), _col("Object"), _col("Message")], _event_row),
}


def _crd_cell(type_: str, value: Any, now: float) -> Any:
    """A printer column cell of the declared type; a value of another type prints as <none>."""
    if type_ == "string":
        return jsonpath.text(value)
    if type_ == "boolean":
        return value if isinstance(value, bool) else None
    if type_ == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if type_ == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if type_ == "date":
        t = _ts(value) if isinstance(value, str) else None
        return human_duration(now - t) if t is not None else None
    return value


def _crd_columns(cluster: SimCluster, rt: ResourceType) -> tuple[list[dict[str, Any]], Row] | None:
    crd = cluster.get("customresourcedefinitions.apiextensions.k8s.io", None, rt.key)
    if crd is None:
        return None
    version = next((v for v in crd.get("spec", {}).get("versions") or [] if v.get("name") == rt.version), {})
    extra = version.get("additionalPrinterColumns") or []
    if not extra:
        return None
    cols = [_NAME] + [_col(c.get("name", ""), c.get("type", "string"), c.get("priority", 0)) for c in extra]

    paths = []
    for c in extra:
        try:
            paths.append(jsonpath.parse(str(c.get("jsonPath", ""))))
        except ValueError:
            paths.append(None)  # the CRD was accepted; its column stays empty

    def row(o: dict[str, Any], now: float) -> list[Any]:
        cells: list[Any] = [_name(o)]
        for c, path in zip(extra, paths, strict=True):
            found = jsonpath.find(o, path) if path is not None else []
            # As the apiserver's CRD table convertor: the first result only, <none> if nothing.
            cells.append(_crd_cell(c.get("type", "string"), found[0], now) if found else None)
        return cells

    return cols, row


def table(cluster: SimCluster, rt: ResourceType, items: list[dict[str, Any]], query: Mapping[str, str], *,
          meta: dict[str, Any] | None = None, resource_version: str = "",
          columns: bool = True) -> dict[str, Any]:
    spec = _COLUMNS.get(rt.key) or _crd_columns(cluster, rt) or ([_NAME, _AGE], lambda o, now: [_name(o), _age(o, now)])
    cols, row = spec
    now = cluster.clock.now()
    include = query.get("includeObject", "Metadata")
    rows = []
    for o in items:
        if include == "Object":
            ref: Any = o
        elif include == "None":
            ref = None
        else:
            ref = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"]}
        rows.append({"cells": row(o, now), "object": ref})
    out: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                           "metadata": meta or {"resourceVersion": resource_version}, "rows": rows}
    if columns:
        out["columnDefinitions"] = cols
    return out
