"""The workflow state machine over KubeVela's `status.workflow`: `WorkflowRunner`
advances it as far as it can go in one pass; deploy steps and the other step types are
executed by callbacks.

The state lives in the status dict itself (steps with their phases, suspend,
terminated, finished), so persisting the status after every transition is all
crash safety needs: a restarted engine sees succeeded steps as succeeded and a
suspending gate as suspending. The status shape is workflow_state.py; the vela CLI's
operations (resume, suspend, terminate, restart, skip a cluster) are workflow_ops.py,
both importable from here as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fleettui.engine import stepio
from fleettui.engine.durations import parse_duration
from fleettui.engine.errors import OperationRefused
from fleettui.engine.model import Step
from fleettui.engine.workflow_ops import (
    SKIPPED_CLUSTERS,
    restart_from,
    resume,
    skip_cluster,
    skipped_clusters,
    step_names,
    suspend,
    terminate,
    waiting_step,
)
from fleettui.engine.workflow_state import (
    DONE,
    FAILED,
    MODE,
    PENDING,
    REASON_FAILED_AFTER_RETRIES,
    REASON_TERMINATE,
    REASON_WAVE_GATE,
    RUNNING,
    SKIPPED,
    SUCCEEDED,
    SUSPENDING,
    all_statuses,
    all_steps,
    app_phase,
    find_status,
    iso,
    new_workflow,
    parse_iso,
    step_id,
    sync_group,
    sync_groups,
)

__all__ = [
    "DONE", "FAILED", "MODE", "PENDING", "REASON_FAILED_AFTER_RETRIES", "REASON_TERMINATE", "REASON_WAVE_GATE",
    "RUNNING", "SKIPPED", "SKIPPED_CLUSTERS", "SUCCEEDED", "SUSPENDING", "DeployFn", "DeployOutcome", "PersistFn",
    "StepFn", "WorkflowRunner", "app_phase", "iso", "new_workflow", "parse_iso", "restart_from", "resume",
    "skip_cluster", "skipped_clusters", "step_names", "suspend", "terminate", "waiting_step",
]

@dataclass(frozen=True)
class DeployOutcome:
    """What a deploy step's pass achieved: done (applied and healthy), failed, or still running."""

    done: bool = False
    failed: bool = False
    message: str = ""
    reason: str = ""
    suspend: bool = False  # a gate inside the step (batches.pauseAfterFirst): wait for resume
    # KubeVela's `op.#Fail`: the step fails and the whole workflow stops at once, steps
    # still running beside it (a step-group's other sub-steps) included
    terminate: bool = False
    output: Any = None  # what the step produced, for its `outputs` (`output.value...`)


DeployFn = Callable[[Step, float], Awaitable[DeployOutcome]]  # (step, when this run of it began)
# any other step type: (step, its status entry — where it may keep its own state, e.g. a
# gate's timers, so a restarted engine picks up where it was)
StepFn = Callable[[Step, dict[str, Any]], Awaitable[DeployOutcome]]
PersistFn = Callable[[], Awaitable[None]]


class WorkflowRunner:
    """Advances one status.workflow as far as it can go now.

    `run()` returns the engine-clock time it wants to be woken at (a suspend
    duration ending), or None.
    """

    def __init__(self, wf: dict[str, Any], steps: tuple[Step, ...], *, now: float,
                 deploy: DeployFn, persist: PersistFn, run_step: StepFn | None = None,
                 mode: tuple[str, str] = ("StepByStep", "DAG")) -> None:
        self.wf = wf
        self.steps = steps
        self.mode = mode
        self.now = now
        self.deploy = deploy
        self.run_step = run_step
        self.persist = persist
        self.wakeup: float | None = None
        self.terminated_by: dict[str, Any] | None = None

    def _status_of(self, name: str, within: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        for s in within if within is not None else self.wf["steps"]:
            if s["name"] == name:
                return s
        raise KeyError(name)

    async def run(self) -> float | None:
        wf = self.wf
        if wf.get("terminated") or wf.get("finished"):
            return None
        if wf.get("suspend"):
            self._expire_suspends()
            if wf.get("suspend"):
                await self.persist()
                return self.wakeup
        if self.mode[0] == "DAG":
            return await self._run_dag()
        failed: dict[str, Any] | None = None
        for i, step in enumerate(self.steps):
            st = self._status_of(step.name)
            if st["phase"] in DONE:
                continue
            if st["phase"] == PENDING and not self._should_run(step, failed is not None, self.wf["steps"]):
                st["phase"] = SKIPPED
                continue
            if st["phase"] != FAILED:
                await self._exec(step, st, self.wf["steps"])
                if self.terminated_by is not None:
                    self._stop(self.terminated_by)
                    await self.persist()
                    return None
                self._roll_up()
                await self.persist()
            if st["phase"] == FAILED:
                failed = failed or st
                # later steps run after a failure only by their own `if`; none has one: stop now
                if not any(s.if_ for s in self.steps[i + 1:]):
                    break
                continue
            if st["phase"] not in DONE:
                return self.wakeup
        if failed is not None:
            self._fail(failed)
            await self.persist()
            return None
        await self._finish()
        return None

    async def _finish(self) -> None:
        wf = self.wf
        wf["finished"] = True
        wf["status"] = SUCCEEDED
        wf["message"] = ""
        wf["endTime"] = iso(self.now)
        await self.persist()
        return None

    async def _run_dag(self) -> float | None:
        """`mode.steps: DAG`: every step whose dependsOn are done runs, in the same pass; the
        first failure ends the workflow (what still runs is terminated with it)."""
        progressed = True
        ran: set[str] = set()
        while progressed:  # a step finishing in this pass may let its dependents start now
            progressed = False
            for step in self.steps:
                st = self._status_of(step.name)
                if st["phase"] in (*DONE, FAILED) or step.name in ran or not self._deps_done(step, self.wf["steps"]):
                    continue
                ran.add(step.name)
                if st["phase"] == PENDING and not self._should_run(step, False, self.wf["steps"]):
                    st["phase"] = SKIPPED
                    progressed = True
                    continue
                await self._exec(step, st, self.wf["steps"])
                failed = self.terminated_by or (st if st["phase"] == FAILED else None)
                if failed is not None:
                    self._stop(failed)
                    await self.persist()
                    return None
                progressed = progressed or st["phase"] in DONE
            self._roll_up()
            await self.persist()
        if all(self._status_of(s.name)["phase"] in DONE for s in self.steps):
            await self._finish()
            return None
        return self.wakeup

    def _deps_done(self, step: Step, statuses: list[dict[str, Any]]) -> bool:
        return all((find_status(statuses, d) or {}).get("phase") in (*DONE, FAILED) for d in step.depends_on)

    def _should_run(self, step: Step, after_failure: bool, statuses: list[dict[str, Any]]) -> bool:
        """KubeVela's rule: a step with `if` runs when it holds; one without runs when no
        earlier step failed and what it depends on succeeded."""
        if step.if_:
            from fleettui.engine import conditions

            return conditions.evaluate(conditions.parse(step.if_), {s["name"]: s for s in all_statuses(self.wf["steps"])})
        if after_failure:
            return False
        return all((find_status(statuses, d) or {}).get("phase") == SUCCEEDED for d in step.depends_on)

    def _timed_out(self, step: Step, st: dict[str, Any]) -> bool:
        """Past its `timeout` (from its first execution): failed, reason Timeout."""
        if not step.timeout or "firstExecuteTime" not in st or st["phase"] not in (RUNNING, SUSPENDING):
            return False
        due = parse_iso(st["firstExecuteTime"]) + parse_duration(step.timeout)
        if self.now < due:
            self.wakeup = due if self.wakeup is None else min(self.wakeup, due)
            return False
        st["phase"] = FAILED
        st["reason"] = "Timeout"
        st["message"] = f"step {step.name} timed out after {step.timeout}"
        return True

    def _fail(self, st: dict[str, Any]) -> None:
        self.wf["status"] = FAILED
        self.wf["terminated"] = True
        self.wf["message"] = f"step {st['name']} failed: {st.get('message', '')}".rstrip(": ")
        self.wf["endTime"] = iso(self.now)

    def _stop(self, failed: dict[str, Any]) -> None:
        """The workflow ends with the failing step's message; what still ran beside it is
        failed as terminated, as `vela workflow terminate` would."""
        for s in all_statuses(self.wf["steps"]):
            if s["phase"] in (RUNNING, SUSPENDING, PENDING) and s is not failed:
                if s["phase"] != PENDING:
                    s["phase"] = FAILED
                    s["reason"] = REASON_TERMINATE
        sync_groups(self.wf["steps"])
        self.wf["suspend"] = False
        self._fail(failed)

    def _roll_up(self) -> None:
        """`suspend` and the workflow message follow the steps."""
        suspending = [s for s in all_statuses(self.wf["steps"]) if s["phase"] == SUSPENDING]
        if suspending:
            self.wf["suspend"] = True
            self.wf["status"] = "suspending"
            self.wf["message"] = suspending[0].get("message", "")
        else:
            self.wf["suspend"] = False
            self.wf["status"] = "executing"
            self.wf["message"] = ""

    def _expire_suspends(self) -> None:
        """A suspend step with a duration resumes by itself when its time is up; a step
        waiting past its timeout fails (the pass goes on and fails the workflow)."""
        for step in all_steps(self.steps):
            st = find_status(self.wf["steps"], step.name)
            if st is not None and st["phase"] == SUSPENDING and self._timed_out(step, st):
                sync_groups(self.wf["steps"])
                continue
            if step.type != "suspend" or not step.properties.get("duration"):
                continue
            st = find_status(self.wf["steps"], step.name)
            if st is None or st["phase"] != SUSPENDING or "firstExecuteTime" not in st:
                continue
            due = parse_iso(st["firstExecuteTime"]) + parse_duration(step.properties["duration"])
            if self.now >= due:
                st["phase"] = SUCCEEDED
                st["message"] = ""
                st["lastExecuteTime"] = iso(self.now)
                sync_groups(self.wf["steps"])
            else:
                self.wakeup = due if self.wakeup is None else min(self.wakeup, due)
        if not any(s["phase"] == SUSPENDING for s in all_statuses(self.wf["steps"])):
            self.wf["suspend"] = False
            self.wf["status"] = "executing"
            self.wf["message"] = ""

    async def _exec(self, step: Step, st: dict[str, Any], siblings: list[dict[str, Any]]) -> None:
        st.setdefault("firstExecuteTime", iso(self.now))
        st["lastExecuteTime"] = iso(self.now)
        if self._timed_out(step, st):
            return
        if step.inputs and st["phase"] in (PENDING, RUNNING):
            step, missing = stepio.with_inputs(step, self.wf.get(stepio.OUTPUTS_KEY) or {})
            if missing:
                st["phase"], st["reason"], st["message"] = FAILED, "Execute", missing
                return
        await self._exec_type(step, st, siblings)
        self._timed_out(step, st)  # still waiting: wake the engine when its time is up

    def _store_outputs(self, step: Step, st: dict[str, Any], outcome: DeployOutcome) -> None:
        if not step.outputs or st["phase"] != SUCCEEDED:
            return
        stored = self.wf.setdefault(stepio.OUTPUTS_KEY, {})
        for item in step.outputs:
            stored[item["name"]] = stepio.value_from(item["valueFrom"], output={"value": outcome.output}, status=st)

    async def _exec_type(self, step: Step, st: dict[str, Any], siblings: list[dict[str, Any]]) -> None:
        if step.type == "suspend":
            if st["phase"] == PENDING:
                st["phase"] = SUSPENDING
                st["message"] = step.properties.get("message") or ""
            elif st["phase"] == RUNNING:  # resumed: `vela workflow resume` turned it running
                st["phase"] = SUCCEEDED
                st["message"] = ""
            if st["phase"] == SUSPENDING and step.properties.get("duration"):
                due = parse_iso(st["firstExecuteTime"]) + parse_duration(step.properties["duration"])
                if self.now >= due:
                    st["phase"] = SUCCEEDED
                    st["message"] = ""
                else:
                    self.wakeup = due if self.wakeup is None else min(self.wakeup, due)
        elif step.type == "deploy":
            if st["phase"] == PENDING:
                if step.properties.get("auto", True) is False:
                    st["phase"] = SUSPENDING
                    st["message"] = f'Waiting approval to the deploy step "{step.name}"'
                    return
                st["phase"] = RUNNING
            if st["phase"] != RUNNING:
                return
            outcome = await self.deploy(step, parse_iso(st["firstExecuteTime"]))
            st["message"] = outcome.message
            if outcome.failed:
                st["phase"] = FAILED
                st["reason"] = outcome.reason or "Execute"
            elif outcome.done:
                st["phase"] = SUCCEEDED
                st.pop("reason", None)
                self._store_outputs(step, st, outcome)
            elif outcome.suspend:
                # the reason stays through `workflow resume` (which only flips the phase):
                # the step knows its gate was passed when it runs again with it
                st["phase"] = SUSPENDING
                st["reason"] = REASON_WAVE_GATE
        elif step.type == "step-group":
            if st["phase"] == PENDING:
                st["phase"] = RUNNING
            if st["phase"] not in (RUNNING, SUSPENDING):
                return
            subs = st.setdefault("subSteps", [])
            for sub in step.sub_steps:  # subSteps mode is DAG: no order among them
                sst = find_status(subs, sub.name)
                if sst is None:
                    sst = {"id": step_id(self.wf.get("appRevision", ""), sub.name), "name": sub.name,
                           "type": sub.type, "phase": PENDING}
                    subs.append(sst)
                if sst["phase"] in (*DONE, FAILED) or not self._deps_done(sub, subs):
                    continue
                if sst["phase"] == PENDING and not self._should_run(sub, False, subs):
                    sst["phase"] = SKIPPED
                    continue
                await self._exec(sub, sst, subs)
                if self.terminated_by is not None:
                    return
                if self.mode[1] == "StepByStep" and sst["phase"] not in DONE:
                    break  # subSteps in order: the next waits for this one
            sync_group(st)
        else:
            await self._exec_other(step, st)

    async def _exec_other(self, step: Step, st: dict[str, Any]) -> None:
        if self.run_step is None:
            raise OperationRefused(f"step type {step.type} cannot run here")
        if st["phase"] == PENDING:
            st["phase"] = RUNNING
        if st["phase"] != RUNNING:
            return
        outcome = await self.run_step(step, st)
        st["message"] = outcome.message
        if outcome.failed:
            st["phase"] = FAILED
            st["reason"] = outcome.reason or "Execute"
            if outcome.terminate:
                self.terminated_by = st
        elif outcome.done:
            st["phase"] = SUCCEEDED
            st.pop("reason", None)
            self._store_outputs(step, st, outcome)
