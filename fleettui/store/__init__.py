"""The local SQLite cache: everything the screen shows is read from here.

`Store.open(path)` creates/migrates/recovers the cache; `store.writer` takes the
inventory writes in batches; query methods return the frozen values of
`fleettui.store.models`; `store.subscribe()` is the change feed.
"""

from fleettui.store.db import CachePermissionError, StoreError
from fleettui.store.feed import Change, Subscription
from fleettui.store.models import (
    ClusterDetail,
    ClusterRow,
    EventRow,
    FleetSummary,
    NamespaceRow,
    NodeRow,
    ObjectRow,
    PodRow,
    ServiceRow,
    TopologyNode,
    WorkloadRow,
)
from fleettui.store.store import REDISCOVER_META, Store

__all__ = [
    "REDISCOVER_META",
    "CachePermissionError",
    "Change",
    "ClusterDetail",
    "ClusterRow",
    "EventRow",
    "FleetSummary",
    "NamespaceRow",
    "NodeRow",
    "ObjectRow",
    "PodRow",
    "ServiceRow",
    "Store",
    "StoreError",
    "Subscription",
    "TopologyNode",
    "WorkloadRow",
]
