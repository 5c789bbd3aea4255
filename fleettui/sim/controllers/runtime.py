"""Controller-side state for one simulated cluster: dirty sets, indexes, timers.

Why event-driven: a fleet of 100 idle clusters must cost nothing per tick. Each
cluster's changes arrive through `SimCluster.subscribe`; the callback only files
keys into dirty sets (and keeps a few indexes: children by owner uid, pods by
node). The manager (manager.py) then reconciles what is dirty, plus what a timer
says is due (pod start-up stages, progress deadlines, node heartbeats). An idle
cluster has no dirty keys and only a heartbeat timer every ~40 simulated seconds
per node.

Controllers import this module for `ClusterRuntime`; it knows nothing of the
manager or of the controllers (the manager hands it what it needs), so the
controller modules form no import cycle.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from fleettui.sim.clock import VirtualClock
from fleettui.sim.cluster import SimCluster

from .objects import controller_ref, find_condition, meta, pod_is_ready

log = logging.getLogger(__name__)

# owner kind -> the resource key of that kind (for routing child changes to the owner)
OWNER_RESOURCES = {
    "Deployment": "deployments.apps",
    "ReplicaSet": "replicasets.apps",
    "StatefulSet": "statefulsets.apps",
    "DaemonSet": "daemonsets.apps",
    "Job": "jobs.batch",
    "Service": "services",
    "Endpoints": "services",  # mirrored slices: the Service of the same name reconciles them
}

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped
# when (virtual seconds), resource, key: the manager's timer queue, as one cluster sees it
Schedule = Callable[[float, str, Key], None]


# Virtual seconds after the seed during which first children of seeded objects are
# backdated (the demo fleet settles in about 20).
SETTLE_WINDOW = 120.0


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _node_shape(node: dict) -> Any:
    status = node.get("status") or {}
    ready = find_condition(status.get("conditions"), "Ready")
    return (
        tuple(sorted((meta(node).get("labels") or {}).items())),
        repr((node.get("spec") or {}).get("taints")),
        bool((node.get("spec") or {}).get("unschedulable")),
        ready.get("status") if ready else None,
        repr(status.get("allocatable")),
    )


class ClusterRuntime:
    """Controller-side state for one cluster: dirty sets, indexes, timers."""

    def __init__(self, cluster: SimCluster, index: int, *, clock: VirtualClock, reconciled: Collection[str],
                 watched: Collection[str], schedule: Schedule) -> None:
        self.cluster = cluster
        self.clock = clock
        self.index = index  # position in the fleet (the kubelet derives pod CIDRs from it)
        self.reconciled = reconciled  # resources with a controller of their own
        self.watched = watched  # those, plus resources watched only to route changes to an owner
        self._schedule = schedule
        self.dirty: dict[str, set[Key]] = defaultdict(set)
        self.children: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        self._parent: dict[tuple[str, str, str], str] = {}
        self.pods_by_node: dict[str, set[Key]] = defaultdict(set)
        self._node_of: dict[Key, str] = {}
        self.unscheduled: set[Key] = set()
        # per-pod memory of when its current start-up stage began (uid -> time)
        self.stage_since: dict[str, float] = {}
        self.backoff: dict[str, int] = {}
        self.ip_next: dict[str, int] = {}
        self.usage_cache: dict[str, list[float]] | None = None
        self._node_shapes: dict[str, Any] = {}
        self._selectors: dict[str, list[tuple[str, dict]]] = {}
        self._endpoint_sig: dict[Key, Any] = {}
        self.unsubscribe = cluster.subscribe(self._on_change)
        self._prime()

    @property
    def name(self) -> str:
        return self.cluster.name

    def now(self) -> float:
        return self.clock.now()

    def iso(self, ts: float | None = None) -> str:
        return self.clock.iso(ts)

    # -- change intake -------------------------------------------------------

    def _prime(self) -> None:
        """Objects that existed before the manager started count as just added."""
        for resource in self.watched:
            try:
                items = self.cluster.list(resource)
            except Exception:  # a resource this cluster does not serve
                continue
            for obj in items:
                self._on_change("ADDED", resource, obj)

    def _on_change(self, event_type: str, resource: str, obj: dict) -> None:
        if resource not in self.watched:
            return
        m = meta(obj)
        key: Key = (m.get("namespace") or "", m.get("name") or "")
        full = (resource, key[0], key[1])
        deleted = event_type == "DELETED"
        self._index_parent(full, obj, deleted)
        if resource in self.reconciled:
            self.dirty[resource].add(key)
        ref = controller_ref(obj)
        if ref and ref.get("kind") in OWNER_RESOURCES:
            self.dirty[OWNER_RESOURCES[ref["kind"]]].add((key[0], ref.get("name", "")))
        if resource == "pods":
            self._index_pod(key, obj, deleted)
            # Endpoints only care about a pod's address and readiness (and its labels).
            st = obj.get("status") or {}
            sig = None if deleted else (st.get("podIP"), pod_is_ready(obj), st.get("phase"), repr(m.get("labels")),
                                        bool(m.get("deletionTimestamp")))
            if self._endpoint_sig.get(key) != sig:
                self._endpoint_sig[key] = sig
                self._dirty_services_selecting(key[0], m.get("labels") or {})
            if deleted:
                self._endpoint_sig.pop(key, None)
            if deleted:
                self.stage_since.pop(m.get("uid", ""), None)
                self.backoff.pop(m.get("uid", ""), None)
                self.retry_unscheduled()
        elif resource == "nodes":
            # Heartbeats change nothing a scheduler cares about; only a changed
            # shape (labels, taints, readiness, allocatable) re-triggers placement.
            shape = None if deleted else _node_shape(obj)
            if self._node_shapes.get(key[1]) != shape:
                self._node_shapes[key[1]] = shape
                self.usage_cache = None
                self.retry_unscheduled()
                for ds in self.cluster.list("daemonsets.apps"):
                    self.dirty["daemonsets.apps"].add((meta(ds).get("namespace", ""), meta(ds).get("name", "")))
                for pod_key in self.pods_by_node.get(key[1], ()):
                    self.dirty["pods"].add(pod_key)
        elif resource == "endpoints":
            self.dirty["services"].add(key)
        elif resource == "services":
            self._selectors.pop(key[0], None)
            # Endpoints carry no ownerReference (as in real clusters): remove it here.
            if deleted and self.cluster.get("endpoints", key[0], key[1]) is not None:
                self.cluster.delete("endpoints", key[0], key[1])

    def _index_parent(self, full: tuple[str, str, str], obj: dict, deleted: bool) -> None:
        old = self._parent.pop(full, None)
        if old is not None:
            self.children[old].discard(full)
            if not self.children[old]:
                del self.children[old]
        if deleted:
            return
        ref = controller_ref(obj)
        if ref and ref.get("uid"):
            self._parent[full] = ref["uid"]
            self.children[ref["uid"]].add(full)

    def _index_pod(self, key: Key, pod: dict, deleted: bool) -> None:
        old = self._node_of.pop(key, None)
        if old is not None:
            self.pods_by_node[old].discard(key)
        node = None if deleted else (pod.get("spec") or {}).get("nodeName")
        # Requested resources per node change only when a pod lands, leaves or finishes.
        if old != node or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            self.usage_cache = None
        if deleted:
            self.unscheduled.discard(key)
            return
        if node:
            self._node_of[key] = node
            self.pods_by_node[node].add(key)
            self.unscheduled.discard(key)

    def _dirty_services_selecting(self, namespace: str, labels: dict) -> None:
        """Only Services whose selector picks this pod need their endpoints recomputed."""
        selectors = self._selectors.get(namespace)
        if selectors is None:
            selectors = self._selectors[namespace] = [
                (meta(svc).get("name", ""), (svc.get("spec") or {}).get("selector") or {})
                for svc in self.cluster.list("services", namespace)]
        for name, selector in selectors:
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                self.dirty["services"].add((namespace, name))

    def retry_unscheduled(self) -> None:
        for key in self.unscheduled:
            self.dirty["pods"].add(key)

    # -- helpers for reconcilers ---------------------------------------------

    def owned(self, owner: dict, resource: str) -> list[dict]:
        """Live objects of `resource` whose controller is `owner` (by uid)."""
        uid = meta(owner).get("uid")
        out = []
        for res, ns, name in list(self.children.get(uid, ())):
            if res == resource:
                obj = self.cluster.get(res, ns, name)
                if obj is not None:
                    out.append(obj)
        return out

    def initial_child_time(self, owner: dict, *, first: bool = True) -> str | None:
        """creationTimestamp for a child made for a seeded `owner` as the fleet first settles.

        Seeded objects are backdated (a real fleet has run for weeks); the ReplicaSets
        and pods the controllers first make for them get their owner's age (plus two
        seconds, as a controller's reaction), so `kubectl get pods` does not show a
        fleet born a minute ago. `first`: the owner had no such children yet. Outside
        the settle window, or for objects made after the seed, None: now.
        """
        seeded = self.cluster.seeded_at
        if not first or seeded is None or self.now() > seeded + SETTLE_WINDOW:
            return None
        born = parse_time(meta(owner).get("creationTimestamp"))
        if born is None or born >= seeded:
            return None
        return self.iso(born + 2)

    def after(self, seconds: float, resource: str, key: Key) -> None:
        """Reconcile `resource` `key` again once `seconds` of virtual time have passed."""
        self._schedule(self.now() + max(seconds, 0.0), resource, key)

    def at(self, when: float, resource: str, key: Key) -> None:
        self._schedule(when, resource, key)

    def event(self, involved: dict, reason: str, message: str, *, type: str = "Warning",
              component: str = "") -> None:
        """Record an Event (the storage aggregates repeats into a count); never raises."""
        try:
            self.cluster.record_event(involved, reason, message, type=type, component=component)
        except Exception:
            log.exception("%s: could not record event %s", self.name, reason)

    # -- reconcile -----------------------------------------------------------

    def take_dirty(self) -> dict[str, set[Key]]:
        work = {r: keys for r, keys in self.dirty.items() if keys}
        self.dirty = defaultdict(set)
        return work

    def close(self) -> None:
        try:
            self.unsubscribe()
        except Exception:
            pass


Reconciler = Callable[[ClusterRuntime, str, str], None]
