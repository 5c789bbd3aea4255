"""The workflow operations exactly as the vela CLI performs them (pkg/workflow/operation):
each takes the application's status and returns the new `status.workflow` to merge,
leaving its input untouched; plus fleettui's skip-a-cluster."""

from __future__ import annotations

import copy
from typing import Any

from fleettui.engine.errors import OperationRefused
from fleettui.engine.model import Step
from fleettui.engine.workflow_state import (
    FAILED,
    REASON_FAILED_AFTER_RETRIES,
    REASON_TERMINATE,
    RUNNING,
    SUSPENDING,
    all_statuses,
    new_workflow,
)

# -- operations, as the vela CLI does them: return the status patch to merge --


def _require(status: dict[str, Any]) -> dict[str, Any]:
    wf = status.get("workflow")
    if not wf:
        raise OperationRefused("the workflow in application is not running")
    return wf


def step_names(statuses: list[dict[str, Any]]) -> list[str]:
    """Every step and sub-step name, in order (what `--step` may name)."""
    return [s["name"] for s in all_statuses(statuses)]


def waiting_step(statuses: list[dict[str, Any]]) -> str | None:
    """The first step or sub-step that waits to be resumed, in workflow order: the one a
    "resume the waiting step" action names (a step-group suspends only through its
    sub-steps, and naming it resumes them all, as `vela workflow resume --step` does)."""
    return next((s.get("name") for s in all_statuses(statuses) if s.get("phase") == SUSPENDING), None)


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
        waiting = [s["name"] for s in all_statuses(wf["steps"]) if s["phase"] == SUSPENDING]
        phase = next(s["phase"] for s in all_statuses(wf["steps"]) if s["name"] == step)
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
    for st in all_statuses(wf["steps"]):
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
