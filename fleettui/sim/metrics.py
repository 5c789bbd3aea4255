"""`/clusters/<name>/metrics`: what Prometheus scrapes from one simulated cluster.

The series have the names, types and labels of the exporters a real cluster runs, so
rules written for kube-prometheus work unchanged:
- kube-state-metrics (v2) for object state: pods, containers, deployments, nodes,
  namespaces, computed from the stored objects at scrape time;
- the kubelet's cAdvisor for container usage (`container_cpu_usage_seconds_total`,
  `container_memory_working_set_bytes`) and each running pod's network counters
  (`container_network_{receive,transmit}_bytes_total`, interface eth0), with the `node`
  label kube-prometheus adds by relabelling; a node whose kubelet has stopped reports
  none (it cannot be scraped);
- node-exporter for node CPU (`node_cpu_seconds_total{cpu,mode}`) and memory.

Usage is a pure function of (cluster, object identity, virtual time): tests compute the
expected value, and Prometheus sees counters that only grow. Each workload's CPU
utilisation of its request comes from a stable hash of its name; `BUSY_APPS` run hot,
and the pod annotation `sim.fleettui.io/cpu-utilisation: "1.5"` sets it explicitly.

Text exposition format 0.0.4: one HELP and TYPE line per family, label values escaped
(backslash, double quote, newline), no timestamps (Prometheus stamps the scrape).
"""

from __future__ import annotations

import math
import re
import zlib
from calendar import timegm
from collections.abc import Iterable
from time import strptime
from typing import Any

from aiohttp import web

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UTILISATION_ANNOTATION = "sim.fleettui.io/cpu-utilisation"
KUBELET_ANNOTATION = "sim.fleettui.io/kubelet"
BUSY_APPS = frozenset({"search"})
BUSY_UTILISATION = 1.6  # of the CPU request: throttling territory, as a hot app is
WOBBLE = 0.25  # usage rate swings ±25 % around its mean ...
WOBBLE_PERIOD = 600.0  # ... over ten minutes, so rate() over a window moves
# a pod's mean receive rate, bytes/s: a base plus more the busier it runs; it sends less
NET_BASE_BPS, NET_BUSY_BPS, NET_TX_SHARE = 10_000.0, 40_000.0, 0.6
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
NODE_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIX = {"": 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
           "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50, "Ei": 2.0**60}


def quantity(value: Any) -> float:
    """A Kubernetes resource quantity ("250m", "1Gi", 2) as a number of base units."""
    if isinstance(value, int | float):
        return float(value)
    m = _QUANTITY.match(str(value or "0").strip())
    if not m or m.group(2) not in _SUFFIX:
        return 0.0
    return float(m.group(1)) * _SUFFIX[m.group(2)]


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return float(timegm(strptime(iso, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None


def _unit_hash(*parts: str) -> float:
    """A stable number in [0, 1) per identity (not Python's salted hash())."""
    return zlib.crc32("\x00".join(parts).encode()) / 2.0**32


def escape(value: str) -> str:
    if "\\" not in value and '"' not in value and "\n" not in value:
        return value  # the common case, and a scrape escapes thousands of values
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _fmt(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


class Exposition:
    """Families in the order they were first declared; samples under each."""

    def __init__(self) -> None:
        self._families: dict[str, tuple[str, str, list[str]]] = {}

    def family(self, name: str, kind: str, help_: str) -> list[str]:
        fam = self._families.get(name)
        if fam is None:
            fam = self._families[name] = (kind, help_, [])
        return fam[2]

    def text(self) -> str:
        out: list[str] = []
        for name, (kind, help_, samples) in self._families.items():
            out.append(f"# HELP {name} {help_.replace(chr(92), chr(92) * 2).replace(chr(10), chr(92) + 'n')}")
            out.append(f"# TYPE {name} {kind}")
            out.extend(samples)
        return "\n".join(out) + "\n"


def sample(name: str, labels: Iterable[tuple[str, str]], value: float) -> str:
    body = ",".join([f'{k}="{escape(v if isinstance(v, str) else str(v))}"' for k, v in labels])
    return f"{name}{{{body}}} {_fmt(value)}" if body else f"{name} {_fmt(value)}"


# ----------------------------------------------------------------- usage model

def utilisation(cluster: str, pod: dict) -> float:
    """Mean CPU use as a share of the container's request, per workload (not per pod:
    every replica of an app behaves alike, as real replicas do)."""
    meta = pod.get("metadata") or {}
    explicit = (meta.get("annotations") or {}).get(UTILISATION_ANNOTATION)
    if explicit is not None:
        try:
            return max(0.0, float(explicit))
        except ValueError:
            pass
    app = (meta.get("labels") or {}).get("app") or meta.get("name", "")
    if app in BUSY_APPS:
        return BUSY_UTILISATION
    return 0.1 + 0.6 * _unit_hash(cluster, meta.get("namespace", ""), app)


def cpu_seconds(rate: float, phase: float, started: float, now: float) -> float:
    """∫ rate·(1 + WOBBLE·sin(ωt + phase)) dt from `started` to `now`: a counter that only
    grows (WOBBLE < 1) while its rate() swings around `rate`."""
    if now <= started:
        return 0.0
    w = 2 * math.pi / WOBBLE_PERIOD
    swing = (WOBBLE / w) * (math.cos(w * started + phase) - math.cos(w * now + phase))
    return max(0.0, rate * ((now - started) + swing))


def network_bytes(share: float, phase: float, started: float, now: float) -> tuple[float, float]:
    """(received, transmitted) bytes since `started`: counters whose rate() swings as CPU does."""
    rx = cpu_seconds(NET_BASE_BPS + NET_BUSY_BPS * share, phase, started, now)
    return rx, rx * NET_TX_SHARE


def memory_bytes(request: float, share: float, phase: float, now: float) -> float:
    """Working set: a share of the memory request, breathing ±5 % over the wobble period."""
    base = request or 64 * 2.0**20
    w = 2 * math.pi / WOBBLE_PERIOD
    return float(int(base * (0.3 + 0.5 * share) * (1 + 0.05 * math.sin(w * now + phase))))


# ------------------------------------------------------------------ rendering

def render(cluster: Any, now: float | None = None) -> str:
    """The cluster's scrape, at virtual time `now` (default: its clock's)."""
    t = cluster.clock.now() if now is None else now
    name = cluster.name
    exp = Exposition()
    _namespaces(exp, cluster)
    node_cpus, kubelet_up = _nodes(exp, cluster)
    _deployments(exp, cluster)
    _pods(exp, cluster, name, t, kubelet_up)
    _node_exporter(exp, cluster, t, node_cpus)
    return exp.text()


def _namespaces(exp: Exposition, cluster: Any) -> None:
    fam = exp.family("kube_namespace_status_phase", "gauge", "kubernetes namespace status phase.")
    for ns in cluster.iter("namespaces"):
        nsname = ns["metadata"]["name"]
        terminating = bool(ns["metadata"].get("deletionTimestamp"))
        for phase in ("Active", "Terminating"):
            fam.append(sample("kube_namespace_status_phase", (("namespace", nsname), ("phase", phase)),
                              1.0 if (phase == "Terminating") == terminating else 0))


def _nodes(exp: Exposition, cluster: Any) -> tuple[dict[str, float], dict[str, bool]]:
    info = exp.family("kube_node_info", "gauge", "Information about a cluster node.")
    cond = exp.family("kube_node_status_condition", "gauge", "The condition of a cluster node.")
    alloc = exp.family("kube_node_status_allocatable", "gauge",
                       "The allocatable for different resources of a node that are available for scheduling.")
    unsched = exp.family("kube_node_spec_unschedulable", "gauge",
                         "Whether a node can schedule new pods.")
    cpus: dict[str, float] = {}
    up: dict[str, bool] = {}
    for node in cluster.iter("nodes"):
        n = node["metadata"]["name"]
        st = node.get("status") or {}
        ni = st.get("nodeInfo") or {}
        ip = next((a.get("address", "") for a in st.get("addresses") or [] if a.get("type") == "InternalIP"), "")
        info.append(sample("kube_node_info", (
            ("node", n), ("kernel_version", ni.get("kernelVersion", "")), ("os_image", ni.get("osImage", "")),
            ("container_runtime_version", ni.get("containerRuntimeVersion", "")),
            ("kubelet_version", ni.get("kubeletVersion", "")), ("kubeproxy_version", ni.get("kubeProxyVersion", "")),
            ("provider_id", (node.get("spec") or {}).get("providerID", "")), ("pod_cidr", (node.get("spec") or {})
                                                                             .get("podCIDR", "")),
            ("internal_ip", ip)), 1))
        seen = {c.get("type"): str(c.get("status", "Unknown")).lower() for c in st.get("conditions") or []}
        for ctype in NODE_CONDITIONS:
            if ctype not in seen:
                continue
            for status in ("true", "false", "unknown"):
                cond.append(sample("kube_node_status_condition", (
                    ("node", n), ("condition", ctype), ("status", status)), 1 if seen[ctype] == status else 0))
        for res, val in (st.get("allocatable") or {}).items():
            unit = {"cpu": "core", "pods": "integer"}.get(res, "byte")
            alloc.append(sample("kube_node_status_allocatable", (
                ("node", n), ("resource", res.replace("-", "_")), ("unit", unit)), quantity(val)))
        unsched.append(sample("kube_node_spec_unschedulable", (("node", n),),
                              1 if (node.get("spec") or {}).get("unschedulable") else 0))
        cpus[n] = quantity((st.get("capacity") or {}).get("cpu", 0)) or 1.0
        up[n] = ((node["metadata"].get("annotations") or {}).get(KUBELET_ANNOTATION) != "stopped")
    return cpus, up


def _deployments(exp: Exposition, cluster: Any) -> None:
    fams = {
        "kube_deployment_spec_replicas": ("Number of desired pods for a deployment.", "spec", "replicas"),
        "kube_deployment_status_replicas": ("The number of replicas per deployment.", "status", "replicas"),
        "kube_deployment_status_replicas_available": (
            "The number of available replicas per deployment.", "status", "availableReplicas"),
        "kube_deployment_status_replicas_unavailable": (
            "The number of unavailable replicas per deployment.", "status", "unavailableReplicas"),
        "kube_deployment_status_replicas_updated": (
            "The number of updated replicas per deployment.", "status", "updatedReplicas"),
        "kube_deployment_status_replicas_ready": (
            "The number of ready replicas per deployment.", "status", "readyReplicas"),
    }
    lists = {f: exp.family(f, "gauge", h) for f, (h, _, _) in fams.items()}
    gen = exp.family("kube_deployment_metadata_generation", "gauge",
                     "Sequence number representing a specific generation of the desired state.")
    observed = exp.family("kube_deployment_status_observed_generation", "gauge",
                          "The generation observed by the deployment controller.")
    for d in cluster.iter("deployments.apps"):
        m = d["metadata"]
        labels = (("namespace", m.get("namespace", "")), ("deployment", m["name"]))
        parts = {"spec": d.get("spec") or {}, "status": d.get("status") or {}}
        for f, (_, part, key) in fams.items():
            default = 1 if (part, key) == ("spec", "replicas") else 0
            lists[f].append(sample(f, labels, float(parts[part].get(key, default) or 0)))
        gen.append(sample("kube_deployment_metadata_generation", labels, float(m.get("generation", 0))))
        observed.append(sample("kube_deployment_status_observed_generation", labels,
                               float(parts["status"].get("observedGeneration", 0))))


def _pods(exp: Exposition, cluster: Any, cname: str, now: float, kubelet_up: dict[str, bool]) -> None:
    info = exp.family("kube_pod_info", "gauge", "Information about pod.")
    phase_f = exp.family("kube_pod_status_phase", "gauge", "The pods current phase.")
    unsched = exp.family("kube_pod_status_unschedulable", "gauge", "Describes the unschedulable status for the pod.")
    ready_f = exp.family("kube_pod_container_status_ready", "gauge",
                         "Describes whether the containers readiness check succeeded.")
    restarts_f = exp.family("kube_pod_container_status_restarts_total", "counter",
                            "The number of container restarts per container.")
    waiting_f = exp.family("kube_pod_container_status_waiting_reason", "gauge",
                           "Describes the reason the container is currently in waiting state.")
    requests_f = exp.family("kube_pod_container_resource_requests", "gauge",
                            "The number of requested request resource by a container.")
    cpu_f = exp.family("container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.")
    mem_f = exp.family("container_memory_working_set_bytes", "gauge", "Current working set in bytes.")
    rx_f = exp.family("container_network_receive_bytes_total", "counter",
                      "Cumulative count of bytes received.")
    tx_f = exp.family("container_network_transmit_bytes_total", "counter",
                      "Cumulative count of bytes transmitted.")
    for pod in cluster.iter("pods"):
        m = pod["metadata"]
        spec, st = pod.get("spec") or {}, pod.get("status") or {}
        ns, pname, uid = m.get("namespace", ""), m["name"], m.get("uid", "")
        node = spec.get("nodeName", "")
        ids = (("namespace", ns), ("pod", pname), ("uid", uid))
        owner = next((o for o in m.get("ownerReferences") or [] if o.get("controller")), {})
        info.append(sample("kube_pod_info", (
            *ids, ("host_ip", st.get("hostIP", "")), ("pod_ip", st.get("podIP", "")), ("node", node),
            ("created_by_kind", owner.get("kind", "")), ("created_by_name", owner.get("name", "")),
            ("priority_class", spec.get("priorityClassName", "")),
            ("host_network", str(bool(spec.get("hostNetwork"))).lower())), 1))
        phase = st.get("phase", "Pending")
        for p in PHASES:
            phase_f.append(sample("kube_pod_status_phase", (*ids, ("phase", p)), 1 if p == phase else 0))
        if any(c.get("type") == "PodScheduled" and c.get("status") == "False" and c.get("reason") == "Unschedulable"
               for c in st.get("conditions") or []):
            unsched.append(sample("kube_pod_status_unschedulable", ids, 1))
        statuses = {c.get("name"): c for c in st.get("containerStatuses") or []}
        share = utilisation(cname, pod)
        scraped = bool(node) and kubelet_up.get(node, False) and phase == "Running"
        if scraped:  # the pod's sandbox: one network namespace for all its containers
            started = _epoch(st.get("startTime")) or now
            rx, tx = network_bytes(share, 2 * math.pi * _unit_hash(cname, uid, "eth0"), started, now)
            net = (("interface", "eth0"), ("namespace", ns), ("node", node), ("pod", pname))
            rx_f.append(sample("container_network_receive_bytes_total", net, rx))
            tx_f.append(sample("container_network_transmit_bytes_total", net, tx))
        for c in spec.get("containers") or []:
            cn = c.get("name", "")
            cids = (*ids, ("container", cn))
            reqs = (c.get("resources") or {}).get("requests") or {}
            for res, val in reqs.items():
                unit = "core" if res == "cpu" else "byte"
                requests_f.append(sample("kube_pod_container_resource_requests", (
                    ("namespace", ns), ("pod", pname), ("uid", uid), ("container", cn), ("node", node),
                    ("resource", res), ("unit", unit)), quantity(val)))
            cs = statuses.get(cn)
            if cs is None:
                continue
            ready_f.append(sample("kube_pod_container_status_ready", cids, 1 if cs.get("ready") else 0))
            restarts_f.append(sample("kube_pod_container_status_restarts_total", cids,
                                     float(cs.get("restartCount") or 0)))
            waiting = (cs.get("state") or {}).get("waiting")
            if waiting is not None:
                waiting_f.append(sample("kube_pod_container_status_waiting_reason",
                                        (*cids, ("reason", waiting.get("reason", ""))), 1))
            running = (cs.get("state") or {}).get("running")
            if not scraped or running is None:
                continue
            started = _epoch(running.get("startedAt")) or now
            rate = (quantity(reqs.get("cpu")) or 0.05) * share
            phase_shift = 2 * math.pi * _unit_hash(cname, uid, cn)
            used = cpu_seconds(rate, phase_shift, started, now)
            usage = (("container", cn), ("image", c.get("image", "")), ("namespace", ns), ("node", node),
                     ("pod", pname))
            cpu_f.append(sample("container_cpu_usage_seconds_total", (*usage, ("cpu", "total")), used))
            mem_f.append(sample("container_memory_working_set_bytes", usage,
                                memory_bytes(quantity(reqs.get("memory")), share, phase_shift, now)))


def node_busy_share(cluster: str, node: str) -> float:
    """A node's mean busy share of its CPUs: constant per node, so its counters never
    step back when pods come and go (summing the pods' counters would)."""
    return 0.15 + 0.5 * _unit_hash(cluster, node)


def _node_exporter(exp: Exposition, cluster: Any, now: float, cpus: dict[str, float]) -> None:
    """Per node and CPU since the node's boot (its Ready transition): busy time 80 % user
    and 20 % system, idle the rest. A stopped kubelet's node is down and reports nothing."""
    fam = exp.family("node_cpu_seconds_total", "counter", "Seconds the CPUs spent in each mode.")
    total = exp.family("node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.")
    avail = exp.family("node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.")
    for node in cluster.iter("nodes"):
        n = node["metadata"]["name"]
        if (node["metadata"].get("annotations") or {}).get(KUBELET_ANNOTATION) == "stopped":
            continue
        st = node.get("status") or {}
        ready = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), {})
        boot = _epoch(ready.get("lastTransitionTime")) or _epoch(node["metadata"].get("creationTimestamp")) or now
        ncpu = max(1, int(cpus.get(n, 1)))
        up = max(0.0, now - boot)
        phase = 2 * math.pi * _unit_hash(cluster.name, n)
        used = cpu_seconds(node_busy_share(cluster.name, n), phase, boot, now) if up else 0.0
        for i in range(ncpu):
            for mode, value in (("idle", up - used), ("system", used * 0.2), ("user", used * 0.8)):
                fam.append(sample("node_cpu_seconds_total", (("cpu", str(i)), ("mode", mode), ("node", n)), value))
        mem = quantity((st.get("capacity") or {}).get("memory", 0))
        total.append(sample("node_memory_MemTotal_bytes", (("node", n),), mem))
        avail.append(sample("node_memory_MemAvailable_bytes", (("node", n),), mem * 0.55))


# ---------------------------------------------------------------------- HTTP

def route(lookup: Any, faults: Any) -> web.RouteDef:
    """GET /clusters/<name>/metrics. A cluster that is down (fault `down`) cannot be
    scraped either: Prometheus then records `up == 0`, as for a dead target."""

    async def metrics(request: web.Request) -> web.StreamResponse:
        name = request.match_info["cluster"]
        cluster = lookup(name)
        if cluster is None:
            return web.Response(status=404, text=f"cluster {name!r} is not served by this simulator\n")
        if faults.get(name).down:
            return web.Response(status=503, text="the cluster is down\n")
        return web.Response(body=render(cluster).encode(), headers={"Content-Type": CONTENT_TYPE})

    return web.get("/clusters/{cluster}/metrics", metrics)
