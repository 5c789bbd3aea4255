"""Workflow steps other than deploy/suspend/step-group, one module each, run through one
`StepRunner` the engine hands to the workflow runner. Each step gets its status entry
to keep what it must remember across passes (a gate's timers, a notification sent)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fleettui.engine.fleet import Fleet
from fleettui.engine.model import Application, Step
from fleettui.engine.resourcekeeper import ResourceKeeper
from fleettui.engine.steps import check_metrics, export_service, notification, objects
from fleettui.engine.workflow import DeployOutcome
from fleettui.prom import FleetPrometheus, Target
from fleettui.store.apps import AppStore

# step type -> properties it takes (validation's table)
STEP_PROPERTIES: dict[str, set[str]] = {
    "check-metrics": {"query", "condition", "duration", "failDuration", "metricEndpoint"},
    "notification": {"webhook", "slack", "dingding", "lark", "email"},
    "print-message-in-status": {"message"},
    "apply-object": {"value", "cluster"},
    "depends-on-app": {"name", "namespace"},
    "apply-component": {"component", "cluster", "namespace"},
    "export-service": export_service.PROPERTIES,
}
STEP_REQUIRED: dict[str, tuple[str, ...]] = {
    "check-metrics": ("query", "condition"),
    "print-message-in-status": ("message",),
    "apply-object": ("value", "cluster"),
    "depends-on-app": ("name",),
    "apply-component": ("component", "cluster"),
    "export-service": export_service.REQUIRED,
}


class StepRunner:
    """Runs the non-deploy steps of one engine pass for one application."""

    def __init__(self, app: Application, records: AppStore, *, revision: str, clock: Callable[[], float],
                 prometheus: Mapping[str, str], prom_timeout: float = 5.0, fleet: Fleet | None = None,
                 phase_of: objects.PhaseOf | None = None, keeper: ResourceKeeper | None = None,
                 ref_objects: Callable[[], Awaitable[dict[str, list[dict[str, Any]]]]] | None = None) -> None:
        self.keeper = keeper
        self.ref_objects = ref_objects
        self.app = app
        self.fleet = fleet
        self.phase_of = phase_of
        self.records = records
        self.revision = revision
        self.clock = clock
        self.prometheus = prometheus  # cluster -> its Prometheus (the fleet file's `prometheus:`)
        self.prom_timeout = prom_timeout

    async def __call__(self, step: Step, st: dict[str, Any]) -> DeployOutcome:
        if step.type == "check-metrics":
            return await self._check_metrics(step, st)
        if step.type == "notification":
            return await notification.send(self.app, step, st, now=self.clock())
        if step.type == "apply-object" and self.fleet is not None:
            return await objects.apply_object(self.app, step, fleet=self.fleet, records=self.records,
                                              revision=self.revision, now=self.clock())
        if step.type == "apply-component" and self.keeper is not None:
            refs = await self.ref_objects() if self.ref_objects is not None else {}
            return await objects.apply_component(self.app, step, keeper=self.keeper, revision=self.revision,
                                                 ref_objects=refs)
        if step.type == "export-service" and self.fleet is not None:
            return await export_service.export_service(self.app, step, fleet=self.fleet, records=self.records,
                                                       revision=self.revision, now=self.clock())
        if step.type == "depends-on-app" and self.phase_of is not None:
            return await objects.depends_on_app(step, namespace=self.app.namespace, phase_of=self.phase_of)
        if step.type == "print-message-in-status":
            return DeployOutcome(done=True, message=str(step.properties.get("message", "")))
        return DeployOutcome(failed=True, reason="Execute", message=f"step type {step.type} is not supported")

    async def placed_clusters(self) -> list[str]:
        """Where the current revision is applied so far: a gate's canary clusters."""
        rows = await self.records.placements(self.app.namespace, self.app.name, with_manifests=False)
        return sorted(r.cluster for r in rows if r.state == "applied" and r.revision == self.revision)

    async def _check_metrics(self, step: Step, st: dict[str, Any]) -> DeployOutcome:
        try:
            gate = check_metrics.Gate.from_properties(step.properties)
        except (KeyError, ValueError) as exc:  # validated at parse time; an older stored spec may not be
            return DeployOutcome(failed=True, terminate=True, reason="Execute", message=str(exc))
        if gate.endpoint:
            clusters = ["metricEndpoint"]
            targets = [Target("metricEndpoint", gate.endpoint.rstrip("/"))]
        else:
            clusters = await self.placed_clusters()
            targets = [Target(c, self.prometheus[c].rstrip("/")) for c in clusters if self.prometheus.get(c)]
        prom = FleetPrometheus(targets, timeout=self.prom_timeout, concurrency=4)
        try:
            answer = await prom.query(gate.query, clusters=clusters)
        finally:
            prom.close()
        if answer.bad_query:  # the expression itself: no amount of waiting fixes it
            return DeployOutcome(failed=True, terminate=True, reason="Execute",
                                 message=f"query {gate.query!r}: {answer.bad_query}")
        state = st.setdefault(check_metrics.STATE_KEY, {})
        return check_metrics.judge(gate, check_metrics.measurements(answer), state, self.clock())
