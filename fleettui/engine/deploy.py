"""The `deploy` workflow step: render the step's placements, hand each to the resource
keeper (skipping what this run of the step already applied, so a restarted engine does
not re-apply), retry clusters that do not answer under the retry policy, then wait for
the health of what was applied. The workflow runner sees only the outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fleettui.engine import refs
from fleettui.engine.errors import RenderError
from fleettui.engine.model import Application, Step
from fleettui.engine.placement import waves
from fleettui.engine.placement.batched import run_waves
from fleettui.engine.placement.room import load_nodes
from fleettui.engine.placement.schedule import Decision, schedule, step_policies
from fleettui.engine.render import Placement, render_step
from fleettui.engine.resourcekeeper import SKIPPED, ResourceKeeper
from fleettui.engine.resourcekeeper.keeper import placement_manifests
from fleettui.engine.retry import ClusterRetry, RetryPolicy, record_failure
from fleettui.engine.workflow import REASON_FAILED_AFTER_RETRIES, DeployOutcome

RetryKey = tuple[str, str, str, str, float]  # (namespace, app, step, cluster, when this run of the step began)
RetryListener = Callable[[str, str, str], None]  # (namespace, name, line)
RefCache = dict[str, dict[str, list[dict[str, Any]]]]  # one pass's fetched ref-objects, under "refs"


class DeployStep:
    """Runs deploy steps for one engine. Holds the clusters being retried, across passes:
    a retry is due at a time, and the pass that finds it due knocks again."""

    def __init__(self, keeper: ResourceKeeper, *, ref_client: refs.ClientFor, retry: RetryPolicy,
                 on_retry: RetryListener | None = None) -> None:
        self.keeper = keeper
        self.ref_client = ref_client  # where ref-objects are read from (None as cluster: the hub)
        self.retry = retry
        self.on_retry = on_retry  # told each retry of an unreachable cluster
        self._retries: dict[RetryKey, ClusterRetry] = {}

    async def run(self, app: Application, step: Step, *, revision: str,
                  ref_cache: RefCache, started: float, skipped: frozenset[str] = frozenset(),
                  decisions: dict[str, Decision] | None = None, gate_passed: bool = False) -> DeployOutcome:
        """One pass of the step. `ref_cache` lives for one engine pass: every deploy step of
        the pass renders from the same fetch of the ref-objects. `decisions`: the placement
        decisions kept in the status (read, and updated in place); `gate_passed`: the
        operator resumed the step after its first wave (batches.pauseAfterFirst)."""
        ns, name = app.namespace, app.name
        records, clock = self.keeper.records, self.keeper.clock
        try:
            if "refs" not in ref_cache:
                ref_cache["refs"] = await refs.resolve(app, self.ref_client)
            ref_objects = ref_cache["refs"]
            placements = render_step(app, list(step.properties.get("policies") or []), self.keeper.fleet.members,
                                     revision=revision, ref_objects=ref_objects)
            if step_policies(app, list(step.properties.get("policies") or [])):
                placements = await self._schedule(app, step, placements, revision, decisions)
        except RenderError as exc:
            await records.add_event(ns, name, "RenderFailed", str(exc), type="Warning", now=clock(),
                                    cluster=exc.cluster)
            return DeployOutcome(failed=True, message=str(exc), reason="Render")
        if step.properties.get("batches"):
            labels = {m.name: m.labels for m in self.keeper.fleet.members}

            async def wave(pls: list[Placement], wait_healthy: bool) -> DeployOutcome:
                return await self._deploy(app, step, pls, revision=revision, ref_objects=ref_objects,
                                          started=started, skipped=skipped, wait_healthy=wait_healthy)

            async def wave_started(clusters: list[str]) -> float | None:
                times = [p.applied_at for p in await records.placements(ns, name, with_manifests=False)
                         if p.cluster in clusters and p.revision == revision and p.applied_at]
                return min(times) if times else None

            return await run_waves(wave, placements, waves.parse(step.properties["batches"]), labels,
                                   gate_passed=gate_passed, wave_started=wave_started, now=clock())
        return await self._deploy(app, step, placements, revision=revision, ref_objects=ref_objects,
                                  started=started, skipped=skipped)

    async def _schedule(self, app: Application, step: Step, placements: list[Placement], revision: str,
                        decisions: dict[str, Decision] | None) -> list[Placement]:
        """The step's placement / replica-split policies over capacity from the store."""
        nodes = await load_nodes(self.keeper.records.store, [pl.cluster for pl in placements])
        placements, made = schedule(app, list(step.properties.get("policies") or []), placements,
                                    nodes=nodes, fleet=self.keeper.fleet.members, revision=revision,
                                    previous=decisions)
        if decisions is not None:
            decisions.update(made)
        return placements

    async def _deploy(self, app: Application, step: Step, placements: list[Placement], *, revision: str,
                      ref_objects: dict[str, list[dict[str, Any]]], started: float, skipped: frozenset[str],
                      wait_healthy: bool = True) -> DeployOutcome:
        """Apply `placements` (what is not applied yet in this run of the step), then wait for their health."""
        ns, name = app.namespace, app.name
        records, clock = self.keeper.records, self.keeper.clock
        existing = {p.cluster: p for p in await records.placements(ns, name)}
        now = clock()
        todo: list[Placement] = []
        waiting: list[str] = []
        for pl in placements:
            ex = existing.get(pl.cluster)
            key = (ns, name, step.name, pl.cluster, started)
            if pl.cluster in skipped:
                self._retries.pop(key, None)
                if ex is None or ex.state != SKIPPED:
                    await self.keeper.mark_skipped(app, pl, revision=revision, step=step.name)
                continue
            if ex and ex.state == "applied" and ex.revision == revision \
                    and ex.manifests == placement_manifests(pl) and (ex.applied_at or 0) >= started:
                continue  # applied in this run of the step (maybe by a process that died since): not again
            retry = self._retries.get(key)
            if retry is not None and retry.next_at > now:
                waiting.append(retry.line(pl.cluster, now))  # backing off: do not knock yet
                continue
            todo.append(pl)
        parallelism = int(step.properties.get("parallelism", 5))
        results = await asyncio.gather(*(
            self.keeper.dispatch(app, pl, revision=revision, step=step.name, ref_objects=ref_objects,
                                 parallelism=parallelism) for pl in todo))
        failed: list[str] = []
        retrying: list[str] = []
        exhausted = False
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
                                 reason=REASON_FAILED_AFTER_RETRIES if exhausted else "Execute")
        if retrying or waiting:
            return DeployOutcome(message=f"application {ns}/{name}: " + "; ".join(retrying + waiting))
        if not wait_healthy:
            return DeployOutcome(done=True)
        unhealthy = await self.keeper.refresh_health(
            app, clusters={p.cluster for p in placements if p.cluster not in skipped}, revision=revision)
        if unhealthy:
            return DeployOutcome(message="waiting for healthy: " + "; ".join(unhealthy[:5])
                                 + (f" (+{len(unhealthy) - 5} more)" if len(unhealthy) > 5 else ""))
        return DeployOutcome(done=True)
