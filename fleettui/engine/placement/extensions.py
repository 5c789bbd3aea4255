"""Validation of fleettui's placement extensions, and the one place that says which
parts of an Application are ours and not KubeVela's: a Kubernetes hub may be run by
a real KubeVela, which has no `placement` / `replica-split` policy definitions and
no `batches` on its deploy step — it would fail the application late or drop the
field — so the Kubernetes hub refuses them up front, naming the field."""

from __future__ import annotations

from typing import Any

from fleettui.engine.placement import spread, waves

POLICY_KEYS = {
    "placement": {"clusters", "resources", "components", "priorityLabel", "spread"},
    "replica-split": {"replicas", "components", "weights", "by", "spread"},
}
STEP_KEYS = {"deploy": {"batches"}}


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def policy_problems(ptype: str, props: dict[str, Any], path: str) -> list[tuple[str, str]]:
    """(field, message) for a placement / replica-split policy's properties."""
    out: list[tuple[str, str]] = []
    comps = props.get("components")
    if comps is not None and not (isinstance(comps, list) and all(isinstance(c, str) for c in comps)):
        out.append((f"{path}.components", "must be a list of component names"))
    if ptype == "placement":
        if "clusters" in props and not _positive(props["clusters"]):
            out.append((f"{path}.clusters", "must be a positive number of clusters"))
        res = props.get("resources", "auto")
        if res not in (None, "auto") and not (isinstance(res, dict) and set(res) <= {"cpu", "memory", "gpu"}):
            out.append((f"{path}.resources", "must be auto or a mapping of cpu, memory, gpu (per pod)"))
        if "spread" in props:
            out.extend(spread.problems(props["spread"], props.get("clusters"), f"{path}.spread"))
        if "priorityLabel" in props and not (isinstance(props["priorityLabel"], str) and props["priorityLabel"]):
            out.append((f"{path}.priorityLabel", "must be a label key"))
    elif ptype == "replica-split":
        if "spread" in props:
            out.extend(spread.problems(props["spread"], None, f"{path}.spread"))
        if props.get("replicas") is not None and not (isinstance(props["replicas"], int)
                                                      and not isinstance(props["replicas"], bool)
                                                      and props["replicas"] >= 0):
            out.append((f"{path}.replicas", "must be a non-negative integer"))
        by = props.get("by", "weights")
        if by not in ("weights", "capacity"):
            out.append((f"{path}.by", "must be weights or capacity"))
        weights = props.get("weights")
        if by == "weights":
            if not isinstance(weights, list) or not weights:
                out.append((f"{path}.weights", "required with by: weights: a list of {cluster, weight}"))
            else:
                for i, w in enumerate(weights):
                    if not (isinstance(w, dict) and set(w) == {"cluster", "weight"} and isinstance(w["cluster"], str)
                            and isinstance(w["weight"], int) and not isinstance(w["weight"], bool)
                            and w["weight"] >= 0):
                        out.append((f"{path}.weights[{i}]", "must be {cluster: <name>, weight: <integer >= 0>}"))
        elif weights is not None:
            out.append((f"{path}.weights", "only with by: weights"))
    return out


def batches_problems(props: dict[str, Any], path: str) -> list[tuple[str, str]]:
    return waves.problems(props["batches"], f"{path}.batches") if "batches" in props else []


def fleettui_only(app: Any) -> list[tuple[str, str]]:
    """(field, message) for every fleettui extension the application uses."""
    out = []
    for i, pol in enumerate((app.document.get("spec") or {}).get("policies") or []):
        if isinstance(pol, dict) and pol.get("type") in POLICY_KEYS:
            out.append((f"spec.policies[{i}].type", f"policy type {pol['type']!r} is a fleettui extension"))
    steps = ((app.document.get("spec") or {}).get("workflow") or {}).get("steps") or []
    for i, s in enumerate(steps):
        for j, sub in [(None, s), *enumerate((s or {}).get("subSteps") or [])]:
            where = f"spec.workflow.steps[{i}]" + (f".subSteps[{j}]" if j is not None else "")
            if isinstance(sub, dict) and "batches" in (sub.get("properties") or {}):
                out.append((f"{where}.properties.batches", "batches on a deploy step is a fleettui extension"))
    return out
