"""The shape of KubeVela's `status.workflow`: step phases and reasons, a fresh
workflow, walking its steps and sub-steps, a step-group's phase from its sub-steps, and
the application phase (`status.status`) the workflow gives. Pure; shared by the runner
(workflow.py) and the operations (workflow_ops.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

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


def step_id(revision: str, name: str) -> str:
    return hashlib.sha1(f"{revision}/{name}".encode()).hexdigest()[:10]


def new_workflow(steps: tuple[Step, ...], revision: str, now: float,
                 mode: tuple[str, str] = ("StepByStep", "DAG")) -> dict[str, Any]:
    """A fresh status.workflow: every step pending."""

    def entry(s: Step) -> dict[str, Any]:
        e: dict[str, Any] = {"id": step_id(revision, s.name), "name": s.name, "type": s.type, "phase": PENDING}
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


def all_statuses(statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for s in statuses:
        out.append(s)
        out += s.get("subSteps") or []
    return out


def all_steps(steps: tuple[Step, ...]) -> list[Step]:
    return [x for s in steps for x in (s, *s.sub_steps)]


def find_status(statuses: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((s for s in all_statuses(statuses) if s["name"] == name), None)


def sync_group(st: dict[str, Any]) -> None:
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


def sync_groups(statuses: list[dict[str, Any]]) -> None:
    for s in statuses:
        if s.get("type") == "step-group" and s["phase"] not in (PENDING, *DONE):
            sync_group(s)


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
