"""State keeping (KubeVela's StateKeep): the live objects of one cluster compared with
their placements — drift repaired by re-applying the placement's manifest, or recorded
as allowed when an apply-once policy says so — and the health seen on the way.

One LIST per (cluster, kind) of the objects labelled as ours, not one GET per object:
a fleet of a hundred clusters is checked in seconds. Which placements to check, and
what to do when an application's health changed, is the engine's business.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fleettui.engine.apply import describe, owned_by
from fleettui.engine.drift_diff import allowed_paths, diff, effective_drift
from fleettui.engine.health import judge
from fleettui.engine.model import Application
from fleettui.engine.policies import shared
from fleettui.engine.policies.resource_rules import ResourcePolicies
from fleettui.engine.render import FIELD_MANAGER, LABEL_NAME, Manifest
from fleettui.engine.resourcekeeper.live_health import HealthUpdate
from fleettui.kube import ClusterClient, errors
from fleettui.store.apps import AppStore

# what to keep on one cluster: (application, {"component", "object"}) of an applied placement
StateTarget = tuple[Application, dict[str, Any]]


@dataclass
class DriftReport:
    checked: int = 0
    drifted: int = 0
    repaired: int = 0
    allowed: int = 0
    failed: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # cluster -> error
    observed: list[tuple[tuple[str, str], HealthUpdate]] = field(default_factory=list)  # health seen
    health_changed: list[tuple[str, str]] = field(default_factory=list)  # applications whose stored health moved


class StateKeeper:
    """Checks and repairs one cluster at a time; remembers the allowed drift it has
    recorded, so an allowed change is one record, not one per pass."""

    def __init__(self, records: AppStore, clock: Callable[[], float]) -> None:
        self.records = records
        self.clock = clock
        self._allowed_seen: set[tuple[Any, ...]] = set()

    async def check_cluster(self, client: ClusterClient, cluster: str, items: list[StateTarget],
                            report: DriftReport) -> None:
        by_type: dict[tuple[str, str], list[StateTarget]] = {}
        for app, m in items:
            by_type.setdefault((m["object"]["apiVersion"], m["object"]["kind"]), []).append((app, m))
        for (api_version, kind), group in by_type.items():
            res = await client.resource(api_version, kind)
            listed = await client.list(res, label_selector=LABEL_NAME)
            live = {((o["metadata"].get("namespace") or ""), o["metadata"]["name"]): o for o in listed.items}
            for app, m in group:
                await self._check_one(report, client, cluster, app, m, live)

    async def store_health(self, report: DriftReport) -> None:
        """Health seen in the LISTs (Services aside: they need their Endpoints) goes to the
        store; the applications whose health changed are named in the report."""
        by_app: dict[tuple[str, str], list[HealthUpdate]] = {}
        for app_key, row in report.observed:
            by_app.setdefault(app_key, []).append(row)
        for (ns, name), rows in by_app.items():
            stored = {(r.cluster, r.api_version, r.kind, r.namespace, r.name): (r.healthy, r.message or "")
                      for r in await self.records.resources(ns, name)}
            changed = [row for row in rows if row[:5] in stored and stored[row[:5]] != (row[5], row[6] or "")]
            if changed:
                await self.records.set_health(ns, name, changed, now=self.clock())
                report.health_changed.append((ns, name))

    async def _check_one(self, report: DriftReport, client: ClusterClient, cluster: str, app: Application,
                         m: dict[str, Any], live: dict[tuple[str, str], dict[str, Any]]) -> None:
        obj = m["object"]
        meta = obj["metadata"]
        key = (meta.get("namespace") or "", meta["name"])
        report.checked += 1
        current = live.get(key)
        if obj["kind"] != "Service":
            ok, msg = judge(current)
            report.observed.append(((app.namespace, app.name),
                                    (cluster, obj["apiVersion"], obj["kind"], key[0], key[1], ok, msg)))
        sharing = ResourcePolicies.of(app).is_shared(Manifest(m["component"], obj))
        if sharing and current is not None and not owned_by(current, app.namespace, app.name):
            return  # shared, and another sharer owns it: only the owner keeps it (KubeVela)
        paths = ["(missing)"] if current is None else diff(obj, current)
        allowed = allowed_paths(app, component=m["component"], kind=obj["kind"], name=meta["name"],
                                affect="onStateKeep")
        if current is None and allowed and "*" in allowed:
            paths_left: list[str] = []
        else:
            paths_left = paths if current is None else effective_drift(paths, allowed)
        if not paths:
            return
        report.drifted += 1
        now = self.clock()
        if not paths_left:
            report.allowed += 1
            seen = (app.namespace, app.name, cluster, obj["kind"], key, tuple(paths))
            if seen not in self._allowed_seen:
                self._allowed_seen.add(seen)
                await self.records.add_drift(app.namespace, app.name, cluster, obj["kind"], key[0], key[1], paths,
                                             "allowed", "apply-once policy allows this drift", now=now)
            return
        if sharing:  # the repair keeps the list of sharers (an apply without it would drop it)
            obj = copy.deepcopy(obj)
            obj["metadata"].setdefault("annotations", {})[shared.SHARED_BY] = shared.add_sharer(
                shared.sharers(current), shared.app_key(app.namespace, app.name))
        try:
            await client.apply(obj, field_manager=FIELD_MANAGER, force=True)
        except errors.KubeError as exc:
            report.failed += 1
            await self.records.add_drift(app.namespace, app.name, cluster, obj["kind"], key[0], key[1], paths_left,
                                         "failed", describe(exc), now=now)
            return
        report.repaired += 1
        await self.records.add_drift(app.namespace, app.name, cluster, obj["kind"], key[0], key[1], paths_left,
                                     "repaired", None, now=now)
        await self.records.add_event(app.namespace, app.name, "DriftRepaired",
                                     f"cluster {cluster}: {obj['kind']} {key[0]}/{key[1]}: "
                                     f"{', '.join(paths_left[:5])}", now=now, cluster=cluster)
