"""State keeping over the fleet: one LIST per (cluster, kind) of the objects labelled
as ours, compared with their placements; drift repaired by re-applying the
placement's manifest, or recorded as allowed when an apply-once policy says so."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fleettui.engine.apply import describe
from fleettui.engine.drift import allowed_paths, diff, effective_drift
from fleettui.engine.errors import AppInvalid
from fleettui.engine.health import judge
from fleettui.engine.model import Application, parse
from fleettui.engine.render import FIELD_MANAGER, LABEL_NAME
from fleettui.kube import errors

if TYPE_CHECKING:
    from fleettui.engine.engine import DriftReport, Engine


async def _targets(engine: Engine) -> dict[str, list[tuple[Application, dict[str, Any]]]]:
    """cluster -> [(app, {component, object})] for every applied placement of a finished app.
    A finished app with garbage left (a cluster was down at collection time) gets a pass."""
    out: dict[str, list[tuple[Application, dict[str, Any]]]] = {}
    for ns, name in await engine.source.keys():
        state = await engine.source.load(ns, name)
        if state is None or state.deleting or not (state.status.get("workflow") or {}).get("finished"):
            continue
        latest = (state.status.get("latestRevision") or {}).get("name")
        if any(r.revision != latest for r in await engine.records.resources(ns, name)) \
                and await engine.acquire(ns, name):
            try:
                await engine.reconcile(ns, name)
            finally:
                await engine.release(ns, name)
        try:
            app = parse(state.document, default_namespace=ns)
        except AppInvalid:
            continue
        for p in await engine.records.placements(ns, name):
            if p.state == "applied":
                out.setdefault(p.cluster, []).extend((app, m) for m in p.manifests)
    return out


async def check_fleet(engine: Engine) -> DriftReport:
    from fleettui.engine.engine import DriftReport

    report = DriftReport()
    targets = await _targets(engine)

    async def check_cluster(cluster: str, items: list[tuple[Application, dict[str, Any]]]) -> None:
        async with engine._sem:
            by_type: dict[tuple[str, str], list[tuple[Application, dict[str, Any]]]] = {}
            for app, m in items:
                by_type.setdefault((m["object"]["apiVersion"], m["object"]["kind"]), []).append((app, m))
            try:
                # inside the try: a cluster outside this session's fleet (--context) is
                # that cluster's error, not the end of state keeping for everyone
                client = engine.fleet.client(cluster)
                for (api_version, kind), group in by_type.items():
                    res = await client.resource(api_version, kind)
                    listed = await client.list(res, label_selector=LABEL_NAME)
                    live = {((o["metadata"].get("namespace") or ""), o["metadata"]["name"]): o for o in listed.items}
                    for app, m in group:
                        await _check_one(engine, report, client, cluster, app, m, live)
            except errors.KubeError as exc:
                report.errors[cluster] = describe(exc)

    await asyncio.gather(*(check_cluster(c, items) for c, items in targets.items()))
    await _update_health(engine, report)
    return report


async def _update_health(engine: Engine, report: DriftReport) -> None:
    """Health seen in the LISTs (Services aside: they need their Endpoints) goes to the
    store; an application whose health changed gets a pass so its status follows."""
    by_app: dict[tuple[str, str], list[tuple[str, str, str, str, str, bool | None, str | None]]] = {}
    for app_key, row in report.observed:
        by_app.setdefault(app_key, []).append(row)
    for (ns, name), rows in by_app.items():
        stored = {(r.cluster, r.api_version, r.kind, r.namespace, r.name): (r.healthy, r.message or "")
                  for r in await engine.records.resources(ns, name)}
        changed = [row for row in rows if row[:5] in stored and stored[row[:5]] != (row[5], row[6] or "")]
        if changed:
            await engine.records.set_health(ns, name, changed, now=engine.clock())
            if await engine.acquire(ns, name):
                try:
                    await engine.reconcile(ns, name)
                finally:
                    await engine.release(ns, name)


async def _check_one(engine: Engine, report: DriftReport, client: Any, cluster: str, app: Application,
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
    paths = ["(missing)"] if current is None else diff(obj, current)
    allowed = allowed_paths(app, component=m["component"], kind=obj["kind"], name=meta["name"], affect="onStateKeep")
    if current is None and allowed and "*" in allowed:
        paths_left: list[str] = []
    else:
        paths_left = paths if current is None else effective_drift(paths, allowed)
    if not paths:
        return
    report.drifted += 1
    now = engine.clock()
    if not paths_left:
        report.allowed += 1
        seen = (app.namespace, app.name, cluster, obj["kind"], key, tuple(paths))
        if seen not in engine._allowed_seen:  # record allowed drift once, not every pass
            engine._allowed_seen.add(seen)
            await engine.records.add_drift(app.namespace, app.name, cluster, obj["kind"], key[0], key[1], paths,
                                           "allowed", "apply-once policy allows this drift", now=now)
        return
    try:
        await client.apply(obj, field_manager=FIELD_MANAGER, force=True)
    except errors.KubeError as exc:
        report.failed += 1
        await engine.records.add_drift(app.namespace, app.name, cluster, obj["kind"], key[0], key[1], paths_left,
                                       "failed", describe(exc), now=now)
        return
    report.repaired += 1
    await engine.records.add_drift(app.namespace, app.name, cluster, obj["kind"], key[0], key[1], paths_left,
                                   "repaired", None, now=now)
    await engine.records.add_event(app.namespace, app.name, "DriftRepaired",
                                   f"cluster {cluster}: {obj['kind']} {key[0]}/{key[1]}: {', '.join(paths_left[:5])}",
                                   now=now, cluster=cluster)
