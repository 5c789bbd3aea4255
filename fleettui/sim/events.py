"""core/v1 Events recorded by the simulated controllers, deduplicated as the kubelet and
controller-manager event recorders do: a repeat of the same (object, reason, message)
bumps `count` and `lastTimestamp` on the existing Event instead of adding one."""

from __future__ import annotations

from typing import Any, Protocol

from fleettui.sim.clock import VirtualClock

MAX_EVENTS = 1000  # a real cluster expires events after 1 h; here they are bounded by count


class EventStore(Protocol):
    """What the recorder needs of a SimCluster: a protocol, because cluster.py imports this module."""

    clock: VirtualClock

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None: ...
    def create(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]: ...
    def update(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]: ...
    def delete(self, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None: ...


class EventRecorder:
    def __init__(self, cluster: EventStore) -> None:
        self.cluster = cluster
        self._known: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._seq = 0

    def record(self, involved: dict[str, Any], reason: str, message: str, *, type: str = "Warning",
               component: str = "") -> None:
        cluster = self.cluster
        meta = involved.get("metadata") or {}
        ns = meta.get("namespace") or "default"
        nsobj = cluster.get("namespaces", None, ns)
        if nsobj is None or nsobj["metadata"].get("deletionTimestamp"):
            return
        key = (ns, involved.get("kind"), meta.get("name"), meta.get("uid"), reason, message, type, component)
        now = cluster.clock.iso()
        known = self._known.get(key)
        if known is not None:
            ev = cluster.get("events", known[0], known[1])
            if ev is not None:
                cluster.update("events", {**ev, "count": ev.get("count", 1) + 1, "lastTimestamp": now})
                return
        self._seq += 1
        # apiserver-side recorders name events <object>.<unix nanos in hex>
        name = f"{meta.get('name', 'unknown')}.{int(cluster.clock.now() * 1e9) + self._seq:x}"
        involved_ref = {k: v for k, v in (
            ("apiVersion", involved.get("apiVersion")),
            ("kind", involved.get("kind")),
            ("namespace", meta.get("namespace")),
            ("name", meta.get("name")),
            ("uid", meta.get("uid")),
            ("resourceVersion", meta.get("resourceVersion")),
        ) if v}
        cluster.create("events", {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": involved_ref,
            "reason": reason,
            "message": message,
            "type": type,
            "source": {"component": component} if component else {},
            "reportingComponent": component,
            "reportingInstance": "",
            "firstTimestamp": now,
            "lastTimestamp": now,
            "eventTime": None,
            "count": 1,
        })
        self._known.pop(key, None)
        self._known[key] = (ns, name)
        if len(self._known) > MAX_EVENTS:
            oldest = next(iter(self._known))
            ons, oname = self._known.pop(oldest)
            cluster.delete("events", ons, oname)
