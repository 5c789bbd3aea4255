"""Per-cluster faults switched at run time, and the request counters the admin endpoint reports.

A fault models what a dashboard meets in a real fleet: a cluster that is down (its
endpoint resets connections, or a load balancer answers 503), a slow link, a flaky
apiserver (a share of 500s), watch streams cut by a proxy, and a token without rights.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

DOWN_MODES = (None, "refuse", "503")


@dataclass(frozen=True)
class Fault:
    down: str | None = None  # None | "refuse" | "503"
    latency: float = 0.0  # seconds added before answering
    error_rate: float = 0.0  # share of requests answered 500
    drop_watches: bool = False  # open watch streams are cut; new ones cut at once
    forbidden: bool = False  # every resource request answered 403

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def active(self) -> bool:
        return self != Fault()


def validate(**kw: Any) -> dict[str, Any]:
    """Check admin/Python input; raises ValueError with a message fit for a 400."""
    known = set(Fault.__dataclass_fields__)
    unknown = set(kw) - known
    if unknown:
        raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    if "down" in kw:
        if kw["down"] not in DOWN_MODES:
            raise ValueError('down must be null, "refuse" or "503"')
        out["down"] = kw["down"]
    for name in ("latency", "error_rate"):
        if name in kw:
            v = kw[name]
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise ValueError(f"{name} must be a non-negative number")
            if name == "error_rate" and v > 1:
                raise ValueError("error_rate is a share between 0 and 1")
            out[name] = float(v)
    for name in ("drop_watches", "forbidden"):
        if name in kw:
            if not isinstance(kw[name], bool):
                raise ValueError(f"{name} must be true or false")
            out[name] = kw[name]
    return out


class FaultTable:
    """Current fault per cluster; listeners hear about changes (to cut watches)."""

    def __init__(self, known: Callable[[str], bool]) -> None:
        self._known = known
        self._faults: dict[str, Fault] = {}
        self._listeners: list[Callable[[str, Fault], None]] = []

    def get(self, cluster: str) -> Fault:
        return self._faults.get(cluster) or Fault()

    def set(self, cluster: str, **kw: Any) -> Fault:
        """Replace the cluster's fault: fields not given take their defaults (no fault).
        Raises KeyError (unknown cluster) or ValueError (bad value)."""
        if not self._known(cluster):
            raise KeyError(cluster)
        fault = Fault(**validate(**kw))
        self._faults[cluster] = fault
        for cb in list(self._listeners):
            cb(cluster, fault)
        return fault

    def clear(self, cluster: str) -> None:
        if not self._known(cluster):
            raise KeyError(cluster)
        self._faults.pop(cluster, None)
        for cb in list(self._listeners):
            cb(cluster, Fault())

    def listen(self, cb: Callable[[str, Fault], None]) -> None:
        self._listeners.append(cb)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {k: v.as_dict() for k, v in self._faults.items() if v.active}


MUTATING_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


class RequestLog:
    """Requests received per cluster and Kubernetes verb (before any fault applies)."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        # (cluster, verb, resource key) as well: a test that a view reads an object kind
        # once needs more than the verb (resource key: plural.group, "pods" for core)
        self.by_resource: Counter[tuple[str, str, str]] = Counter()

    def add(self, cluster: str, verb: str, resource: str | None = None) -> None:
        self.counts.setdefault(cluster, Counter())[verb] += 1
        if resource is not None:
            self.by_resource[(cluster, verb, resource)] += 1

    def count(self, cluster: str, verb: str, resource: str) -> int:
        """Requests of `verb` on `resource` (its key, e.g. `managedclusters.cluster.open-cluster-management.io`)."""
        return self.by_resource[(cluster, verb, resource)]

    def mutations(self, cluster: str | None = None) -> int:
        clusters = [cluster] if cluster is not None else list(self.counts)
        return sum(self.counts.get(c, Counter())[v] for c in clusters for v in MUTATING_VERBS)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {c: dict(v) for c, v in self.counts.items()}
