"""Deploy steps: render the step's placements, apply them cluster by cluster (skipping
what this revision already applied, so a restarted engine does not re-apply), then
read the health of what was applied. Part of `Engine` (a mixin for size, not reuse).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from fleettui.config.objects import pod_workload
from fleettui.engine import health as health_mod
from fleettui.engine import refs
from fleettui.engine.apply import ClusterResult, apply_manifests, describe
from fleettui.engine.components.status import component_health
from fleettui.engine.drift import allowed_paths, keep_live
from fleettui.engine.errors import RenderError
from fleettui.engine.model import Application, Step
from fleettui.engine.render import Manifest, Placement, placement_diff, render_step
from fleettui.engine.retry import ClusterRetry, RetryPolicy, record_failure
from fleettui.engine.workflow import DeployOutcome
from fleettui.kube import ClusterClient, errors

if TYPE_CHECKING:
    from fleettui.engine.fleet import Fleet
    from fleettui.store.apps import AppStore

SKIPPED = "skipped"  # placement state of a cluster the operator skipped (workflow skip-cluster)


def _manifests_json(pl: Placement) -> list[dict[str, Any]]:
    return [{"component": m.component, "object": m.object} for m in pl.manifests]


class DeployMixin:
    records: AppStore
    fleet: Fleet
    clock: Any
    _sem: asyncio.Semaphore
    _retries: dict[tuple[str, str, str, str, float], ClusterRetry]  # (ns, app, step, cluster, step start)
    retry: RetryPolicy
    on_retry: Any  # Callable[[str, str, str], None] | None: (namespace, name, line)

    def _ref_client(self, cluster: str | None) -> ClusterClient | None:  # provided by Engine
        raise NotImplementedError

    async def _deploy(self, app: Application, revision: str, step: Step, ref_cache: dict[str, Any], *,
                      started: float, skipped: frozenset[str] = frozenset()) -> DeployOutcome:
        ns, name = app.namespace, app.name
        policies = list(step.properties.get("policies") or [])
        try:
            if "refs" not in ref_cache:
                ref_cache["refs"] = await refs.resolve(app, self._ref_client)
            placements = render_step(app, policies, self.fleet.members, revision=revision,
                                     ref_objects=ref_cache["refs"])
        except RenderError as exc:
            await self.records.add_event(ns, name, "RenderFailed", str(exc), type="Warning", now=self.clock(),
                                         cluster=exc.cluster)
            return DeployOutcome(failed=True, message=str(exc), reason="Render")
        existing = {p.cluster: p for p in await self.records.placements(ns, name)}
        now = self.clock()
        todo, waiting = [], []
        for pl in placements:
            ex = existing.get(pl.cluster)
            key = (ns, name, step.name, pl.cluster, started)
            if pl.cluster in skipped:
                self._retries.pop(key, None)
                if ex is None or ex.state != SKIPPED:
                    await self._mark_skipped(app, revision, step, pl)
                continue
            if ex and ex.state == "applied" and ex.revision == revision and ex.manifests == _manifests_json(pl) \
                    and (ex.applied_at or 0) >= started:
                continue  # applied in this run of the step (maybe by a process that died since): not again
            retry = self._retries.get(key)
            if retry is not None and retry.next_at > now:
                waiting.append(retry.line(pl.cluster, now))  # backing off: do not knock yet
                continue
            todo.append(pl)
        results = await asyncio.gather(*(self._apply_placement(app, revision, step, pl, ref_cache['refs'])
                                         for pl in todo))
        failed, retrying, exhausted = [], [], False
        for r in results:
            key = (ns, name, step.name, r.cluster, started)
            if r.ok:
                self._retries.pop(key, None)
                continue
            if r.transient:
                retry, gave_up = record_failure(self._retries.get(key), self.retry, now=now, reason=r.error or "")
                self._retries[key] = retry
                if gave_up:
                    self._retries.pop(key, None)
                    exhausted = True
                    failed.append(f"cluster {r.cluster}: {r.error} (gave up after {retry.attempts} attempt(s) "
                                  f"over {now - retry.first_failure:.0f}s)")
                else:
                    line = retry.line(r.cluster, now)
                    retrying.append(line)
                    if self.on_retry is not None:
                        self.on_retry(ns, name, line)
            else:
                failed.append(f"cluster {r.cluster}: {r.error}")
        if failed:
            return DeployOutcome(failed=True, message=f"application {ns}/{name}: " + "; ".join(failed),
                                 reason="FailedAfterRetries" if exhausted else "Execute")
        if retrying or waiting:
            return DeployOutcome(message=f"application {ns}/{name}: " + "; ".join(retrying + waiting))
        placements = [pl for pl in placements if pl.cluster not in skipped]
        unhealthy = await self._refresh_health(app, clusters={p.cluster for p in placements},
                                               revision=revision)
        if unhealthy:
            return DeployOutcome(message="waiting for healthy: " + "; ".join(unhealthy[:5])
                                 + (f" (+{len(unhealthy) - 5} more)" if len(unhealthy) > 5 else ""))
        return DeployOutcome(done=True)

    async def _mark_skipped(self, app: Application, revision: str, step: Step, pl: Placement) -> None:
        """The operator carries on without this cluster: it keeps whatever it runs now."""
        msg = "skipped by the operator (workflow skip-cluster): keeps what it had; workflow restart tries it again"
        await self.records.save_placement(app.namespace, app.name, pl.cluster, revision=revision, step=step.name,
                                          manifests=_manifests_json(pl), overrides=[], state=SKIPPED,
                                          message=msg, now=self.clock())
        await self.records.add_event(app.namespace, app.name, "ClusterSkipped", f"cluster {pl.cluster}: {msg}",
                                     type="Warning", now=self.clock(), cluster=pl.cluster)

    async def _apply_placement(self, app: Application, revision: str, step: Step, pl: Placement,
                               ref_objects: dict[str, Any]) -> ClusterResult:
        ns, name, now = app.namespace, app.name, self.clock
        overrides = placement_diff(app, pl, revision=revision, ref_objects=ref_objects)
        manifests = _manifests_json(pl)
        parallelism = int(step.properties.get("parallelism", 5))
        async with self._sem:
            try:
                client = self.fleet.client(pl.cluster)
                known = frozenset((r.api_version, r.kind, r.namespace, r.name)
                                  for r in await self.records.resources(ns, name, cluster=pl.cluster))
                to_apply, kept = await self._apply_once_on_update(app, client, list(pl.manifests), known)
                result = await apply_manifests(client, to_apply, parallelism=parallelism,
                                               app_namespace=ns, app=name, known=known)
                result.applied.extend(kept)  # left as they are on purpose, still ours
            except errors.KubeError as exc:
                result = ClusterResult(pl.cluster, error=describe(exc), transient=True)
        if result.applied:
            await self.records.record_resources(ns, name, pl.cluster, [_resource_row(m, revision) for m in result.applied],
                                                now=now())
        if result.ok:
            state, message = "applied", f"applied {len(result.applied)} object(s)"
        else:
            state = "pending" if result.transient else "failed"
            message = f"applied {len(result.applied)} of {len(pl.manifests)}; {result.error}"
            await self.records.add_event(ns, name, "ApplyFailed", f"cluster {pl.cluster}: {message}",
                                         type="Warning", now=now(), cluster=pl.cluster)
        await self.records.save_placement(ns, name, pl.cluster, revision=revision, step=step.name,
                                          manifests=manifests, overrides=overrides, state=state,
                                          message=message, now=now())
        return result

    async def _apply_once_on_update(self, app: Application, client: ClusterClient, manifests: list[Manifest],
                                    known: frozenset[tuple[str, str, str, str]]
                                    ) -> tuple[list[Manifest], list[Manifest]]:
        """apply-once (affect onUpdate or always): an object that exists keeps its live values
        at the allowed paths (`*`: it is not updated at all)."""
        if not any(p.type == "apply-once" for p in app.policies):
            return manifests, []
        out, kept = [], []
        for m in manifests:
            paths = allowed_paths(app, component=m.component, kind=m.key[1], name=m.key[3], affect="onUpdate")
            if not paths or m.key not in known:
                out.append(m)
                continue
            res = await client.resource(m.key[0], m.key[1])
            live = await client.get(res, m.key[3], namespace=m.key[2] or None)
            if live is None:
                out.append(m)
            elif "*" in paths:
                kept.append(m)
            else:
                out.append(Manifest(m.component, keep_live(m.object, live, paths)))
        return out, kept

    # -- health --

    async def _refresh_health(self, app: Application, *, clusters: set[str] | None = None,
                              revision: str | None = None) -> list[str]:
        """Read every resource of the app (on `clusters`), store its health; the unhealthy ones."""
        rows = [r for r in await self.records.resources(app.namespace, app.name)
                if (clusters is None or r.cluster in clusters) and (revision is None or r.revision == revision)]
        by_cluster: dict[str, list[Any]] = {}
        for r in rows:
            by_cluster.setdefault(r.cluster, []).append(r)
        updates: list[tuple[str, str, str, str, str, bool | None, str | None]] = []
        types = {c.name: c.type for c in app.components}

        async def check(cluster: str, items: list[Any]) -> None:
            async with self._sem:
                try:
                    client = self.fleet.client(cluster)
                    for r in items:
                        res = await client.resource(r.api_version, r.kind)
                        live = await client.get(res, r.name, namespace=r.namespace or None)
                        eps = None
                        if r.kind == "Service" and live is not None:
                            ep_res = await client.resource("v1", "Endpoints")
                            eps = await client.get(ep_res, r.name, namespace=r.namespace)
                        # the component's definition judges its workload (webservice: Ready:<n>/<m>)
                        typed = component_health(types.get(r.component), live)
                        ok, msg = typed or health_mod.judge(live, endpoints=eps)
                        if r.kind == "Deployment" and live is not None and not ok:
                            # why it is not healthy yet may be in its pods (ImagePullBackOff)
                            pods = await _deployment_pods(client, live)
                            judged, why = health_mod.judge(live, pods=pods)
                            ok = ok and judged
                            msg = f"{msg} ({why})" if typed and why and why != msg else (why or msg)
                        updates.append((cluster, r.api_version, r.kind, r.namespace, r.name, ok, msg))
                except errors.KubeError as exc:
                    for r in items:
                        updates.append((cluster, r.api_version, r.kind, r.namespace, r.name, None,
                                        f"cluster unreachable: {describe(exc)}"))

        await asyncio.gather(*(check(c, items) for c, items in by_cluster.items()))
        await self.records.set_health(app.namespace, app.name, updates, now=self.clock())
        return [f"{c}/{k} {n}: {m or 'unknown'}" for c, _, k, _, n, ok, m in sorted(updates) if ok is not True]

    # -- garbage collection --


async def _deployment_pods(client: Any, deployment: dict[str, Any]) -> list[dict[str, Any]]:
    """The Deployment's pods (by its matchLabels, then by owner); [] when it selects by expression."""
    selector = (deployment.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    if not labels or selector.get("matchExpressions"):
        return []
    md = deployment.get("metadata") or {}
    try:
        res = await client.resource("v1", "Pod")
        listed = await client.list(res, namespace=md.get("namespace"),
                                   label_selector=",".join(f"{k}={v}" for k, v in labels.items()))
    except errors.KubeError:  # e.g. no `list pods`: the Deployment's own status still answers
        return []
    me = f"Deployment/{md.get('name')}"
    return [p for p in listed.items if pod_workload(p) == me]


def _resource_row(m: Manifest, revision: str) -> dict[str, Any]:
    api_version, kind, ns, name = m.key
    return {"api_version": api_version, "kind": kind, "namespace": ns, "name": name, "component": m.component,
            "revision": revision}
