"""The workflow state machine over KubeVela's `status.workflow`, and the workflow
operations exactly as the vela CLI performs them (pkg/workflow/operation).

The state lives in the status dict itself (steps with their phases, suspend,
terminated, finished), so persisting the status after every transition is all
crash safety needs: a restarted engine sees succeeded steps as succeeded and a
suspending gate as suspending. Deploy steps are executed by a callback.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fleettui.engine import stepio
from fleettui.engine.durations import parse_duration
from fleettui.engine.errors import OperationRefused
from fleettui.engine.model import Step

PENDING, RUNNING, SUSPENDING, SUCCEEDED, FAILED, SKIPPED = (
    "pending", "running", "suspending", "succeeded", "failed", "skipped")
DONE = (SUCCEEDED, SKIPPED)
MODE = "StepByStep-DAG"
REASON_TERMINATE = "Terminate"
REASON_FAILED_AFTER_RETRIES = "FailedAfterRetries"
REASON_WAVE_GATE = "WaveGate"  # a batched deploy step waiting after its first wave


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _step_id(revision: str, name: str) -> str:
    return hashlib.sha1(f"{revision}/{name}".encode()).hexdigest()[:10]


def new_workflow(steps: tuple[Step, ...], revision: str, now: float,
                 mode: tuple[str, str] = ("StepByStep", "DAG")) -> dict[str, Any]:
    """A fresh status.workflow: every step pending."""

    def entry(s: Step) -> dict[str, Any]:
        e: dict[str, Any] = {"id": _step_id(revision, s.name), "name": s.name, "type": s.type, "phase": PENDING}
        if s.sub_steps:
            e["subSteps"] = [entry(x) for x in s.sub_steps]
        return e

    return {
        "appRevision": revision,
        "mode": f"{mode[0]}-{mode[1]}",
        "status": "executing",
        "suspend": False,
        "terminated": False,
        "finished": False,
        "message": "",
        "startTime": iso(now),
        "steps": [entry(s) for s in steps],
    }


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
        return all((_find(statuses, d) or {}).get("phase") in (*DONE, FAILED) for d in step.depends_on)

    def _should_run(self, step: Step, after_failure: bool, statuses: list[dict[str, Any]]) -> bool:
        """KubeVela's rule: a step with `if` runs when it holds; one without runs when no
        earlier step failed and what it depends on succeeded."""
        if step.if_:
            from fleettui.engine import conditions

            return conditions.evaluate(conditions.parse(step.if_), {s["name"]: s for s in _all(self.wf["steps"])})
        if after_failure:
            return False
        return all((_find(statuses, d) or {}).get("phase") == SUCCEEDED for d in step.depends_on)

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
        for s in _all(self.wf["steps"]):
            if s["phase"] in (RUNNING, SUSPENDING, PENDING) and s is not failed:
                if s["phase"] != PENDING:
                    s["phase"] = FAILED
                    s["reason"] = REASON_TERMINATE
        _sync_groups(self.wf["steps"])
        self.wf["suspend"] = False
        self._fail(failed)

    def _roll_up(self) -> None:
        """`suspend` and the workflow message follow the steps."""
        suspending = [s for s in _all(self.wf["steps"]) if s["phase"] == SUSPENDING]
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
        for step in _all_steps(self.steps):
            st = _find(self.wf["steps"], step.name)
            if st is not None and st["phase"] == SUSPENDING and self._timed_out(step, st):
                _sync_groups(self.wf["steps"])
                continue
            if step.type != "suspend" or not step.properties.get("duration"):
                continue
            st = _find(self.wf["steps"], step.name)
            if st is None or st["phase"] != SUSPENDING or "firstExecuteTime" not in st:
                continue
            due = parse_iso(st["firstExecuteTime"]) + parse_duration(step.properties["duration"])
            if self.now >= due:
                st["phase"] = SUCCEEDED
                st["message"] = ""
                st["lastExecuteTime"] = iso(self.now)
                _sync_groups(self.wf["steps"])
            else:
                self.wakeup = due if self.wakeup is None else min(self.wakeup, due)
        if not any(s["phase"] == SUSPENDING for s in _all(self.wf["steps"])):
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
                sst = _find(subs, sub.name)
                if sst is None:
                    sst = {"id": _step_id(self.wf.get("appRevision", ""), sub.name), "name": sub.name,
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
            _sync_group(st)
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


def _all(statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in statuses:
        out.append(s)
        out += s.get("subSteps") or []
    return out


def _all_steps(steps: tuple[Step, ...]) -> list[Step]:
    return [x for s in steps for x in (s, *s.sub_steps)]


def _find(statuses: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((s for s in _all(statuses) if s["name"] == name), None)


def _sync_group(st: dict[str, Any]) -> None:
    phases = [s["phase"] for s in st.get("subSteps") or []]
    if not phases:
        st["phase"] = SUCCEEDED
    elif FAILED in phases and not any(p in (RUNNING, PENDING) for p in phases):
        # the others ran to their end first: one cluster's failure does not cut the rest short
        st["phase"] = FAILED
        st["message"] = "; ".join(f"{s['name']}: {s.get('message', '')}" for s in st["subSteps"]
                                  if s["phase"] == FAILED)
    elif all(p in DONE for p in phases):
        st["phase"] = SUCCEEDED
        st["message"] = ""
    elif RUNNING in phases or PENDING in phases:
        st["phase"] = RUNNING
    else:
        st["phase"] = SUSPENDING


def _sync_groups(statuses: list[dict[str, Any]]) -> None:
    for s in statuses:
        if s.get("type") == "step-group" and s["phase"] not in (PENDING, *DONE):
            _sync_group(s)


# -- phase of the application (status.status) --


def app_phase(status: dict[str, Any], *, deleting: bool, healthy: bool) -> str:
    if deleting:
        return "deleting"
    wf = status.get("workflow")
    if not wf:
        return "rendering"
    if wf.get("terminated"):
        return "workflowFailed" if wf.get("status") == FAILED else "workflowTerminated"
    if wf.get("suspend"):
        return "workflowSuspending"
    if not wf.get("finished"):
        return "runningWorkflow"
    return "running" if healthy else "unhealthy"


# -- operations, as the vela CLI does them: return the status patch to merge --


def _require(status: dict[str, Any]) -> dict[str, Any]:
    wf = status.get("workflow")
    if not wf:
        raise OperationRefused("the workflow in application is not running")
    return wf


def step_names(statuses: list[dict[str, Any]]) -> list[str]:
    """Every step and sub-step name, in order (what `--step` may name)."""
    return [s["name"] for s in _all(statuses)]


def waiting_step(statuses: list[dict[str, Any]]) -> str | None:
    """The first step or sub-step that waits to be resumed, in workflow order: the one a
    "resume the waiting step" action names (a step-group suspends only through its
    sub-steps, and naming it resumes them all, as `vela workflow resume --step` does)."""
    return next((s.get("name") for s in _all(statuses) if s.get("phase") == SUSPENDING), None)


def _unknown_step(step: str, statuses: list[dict[str, Any]]) -> OperationRefused:
    names = ", ".join(
        s["name"] + (f" (sub-steps: {', '.join(x['name'] for x in s['subSteps'])})" if s.get("subSteps") else "")
        for s in statuses)
    return OperationRefused(f"can not find step {step}; the steps are: {names or 'none'}")


def resume(status: dict[str, Any], step: str | None = None) -> dict[str, Any] | None:
    """ResumeWorkflow: suspend=false, suspending steps (or the one named) -> running.
    Naming a step-group resumes its suspending sub-steps, as KubeVela does: the group
    itself only waits on them, so turning just the group to running would change nothing.
    Returns the new status.workflow, or None when the workflow is not suspended."""
    wf = copy.deepcopy(_require(status))
    if step is not None and step not in step_names(wf["steps"]):
        raise _unknown_step(step, wf["steps"])
    if wf.get("terminated"):
        raise OperationRefused("can not resume a terminated workflow")
    if not wf.get("suspend"):
        return None
    wf["suspend"] = False
    found = step is None
    for st in wf["steps"]:
        whole = step is None or step == st["name"]
        for sub in st.get("subSteps") or []:
            if sub["phase"] == SUSPENDING and (whole or step == sub["name"]):
                sub["phase"] = RUNNING
                st["phase"] = RUNNING
                found = True
        if st["phase"] == SUSPENDING and whole:
            st["phase"] = RUNNING
            found = True
    if not found:
        waiting = [s["name"] for s in _all(wf["steps"]) if s["phase"] == SUSPENDING]
        phase = next(s["phase"] for s in _all(wf["steps"]) if s["name"] == step)
        raise OperationRefused(f"step {step} is not suspending (phase {phase}); waiting: "
                               f"{', '.join(waiting) or 'nothing'}")
    return wf


def suspend(status: dict[str, Any], step: str | None = None) -> dict[str, Any]:
    """SuspendWorkflow: suspend=true, running steps (or the one named) -> suspending."""
    wf = copy.deepcopy(_require(status))
    if step is not None and step not in step_names(wf["steps"]):
        raise _unknown_step(step, wf["steps"])
    if wf.get("terminated") and step is not None:
        raise OperationRefused("can not suspend a terminated workflow")
    wf["suspend"] = True
    found = step is None
    for st in wf["steps"]:
        for sub in st.get("subSteps") or []:
            if sub["phase"] == RUNNING and (step is None or step == sub["name"]):
                sub["phase"] = SUSPENDING
                st["phase"] = SUSPENDING
                found = found or step == sub["name"]
        if st["phase"] == RUNNING and (step is None or step == st["name"]):
            st["phase"] = SUSPENDING
            found = True
    if not found:
        raise OperationRefused(f"can not find step {step}")
    return wf


def terminate(status: dict[str, Any]) -> dict[str, Any]:
    """TerminateWorkflow: terminated=true, suspend=false, running/suspending steps failed (Terminate)."""
    wf = copy.deepcopy(_require(status))
    wf["terminated"] = True
    wf["suspend"] = False
    for st in _all(wf["steps"]):
        if st["phase"] == FAILED:
            if st.get("reason") not in (REASON_FAILED_AFTER_RETRIES, "Timeout"):
                st["reason"] = REASON_TERMINATE
        elif st["phase"] in (RUNNING, SUSPENDING):
            st["phase"] = FAILED
            st["reason"] = REASON_TERMINATE
    return wf


def restart_from(status: dict[str, Any], steps: tuple[Step, ...], step: str) -> dict[str, Any]:
    """Restart from a step: it and every later step go back to pending (vela's CleanStatusFromStep)."""
    wf = copy.deepcopy(_require(status))
    names = [s.name for s in steps]
    top = next((s.name for s in steps if step == s.name or step in [x.name for x in s.sub_steps]), None)
    if top is None:
        raise _unknown_step(step, wf["steps"])
    keep = names[: names.index(top)]
    wf["steps"] = [s for s in wf["steps"] if s["name"] in keep]
    fresh = new_workflow(steps, wf.get("appRevision", ""), 0)["steps"]
    wf["steps"] += [s for s in fresh if s["name"] not in keep]
    for key in ("terminated", "suspend", "finished"):
        wf[key] = False
    wf["status"] = "executing"
    wf["message"] = ""
    wf.pop("endTime", None)
    return wf


# -- skipping a cluster (a fleettui extension; vela has terminate, which gives up on all) --

SKIPPED_CLUSTERS = "skippedClusters"  # in status.workflow: cleared with it by restart and a new revision


def skipped_clusters(status: dict[str, Any]) -> frozenset[str]:
    return frozenset((status.get("workflow") or {}).get(SKIPPED_CLUSTERS) or ())


def skip_cluster(status: dict[str, Any], cluster: str) -> dict[str, Any] | None:
    """The workflow carries on without `cluster`: its deploy steps stop waiting for it
    (retries included) and it keeps what it runs. None when it is skipped already."""
    wf = copy.deepcopy(_require(status))
    if wf.get("finished") or wf.get("terminated"):
        raise OperationRefused("can not skip a cluster in a workflow that has ended (restart it instead)")
    skipped = list(wf.get(SKIPPED_CLUSTERS) or [])
    if cluster in skipped:
        return None
    wf[SKIPPED_CLUSTERS] = sorted([*skipped, cluster])
    return wf
