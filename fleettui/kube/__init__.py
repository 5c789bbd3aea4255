"""The kube layer: the only code that talks to clusters (see docs/contracts.md)."""

from fleettui.kube import errors
from fleettui.kube.backoff import Backoff, full_jitter
from fleettui.kube.client import ClusterClient, ListResult
from fleettui.kube.resources import Resource
from fleettui.kube.watch import Watch, WatchEvent

__all__ = [
    "Backoff",
    "ClusterClient",
    "ListResult",
    "Resource",
    "Watch",
    "WatchEvent",
    "errors",
    "full_jitter",
]
