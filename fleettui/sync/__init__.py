"""Keeping the store current: informers per (cluster, kind), health probes, roll-ups.

`FleetSync(store, members, kubeconfig=..., read_only=..., concurrency=...)`:
`await sync_once()` for one full pass, `await run()` to keep it live.
"""

from fleettui.sync.cluster import ClusterResult
from fleettui.sync.fleet import FleetSync, SyncReport
from fleettui.sync.kinds import KindSpec, default_kinds, register_kind

__all__ = ["ClusterResult", "FleetSync", "KindSpec", "SyncReport", "default_kinds", "register_kind"]
