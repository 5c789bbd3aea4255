"""Standalone `core.oam.dev/v1alpha1` Policy and Workflow objects, as KubeVela resolves them:
`spec.workflow.ref` names a Workflow (its `mode` and `steps` become the application's
workflow) and a deploy step's `policies` may name Policy objects the application does
not declare (their `type` and `properties` join the application's policies). Both are
looked up in the application's namespace.

`inline` is pure: the resolved document is what runs — on the local hub it is what is
stored, so the application's revision captures the external objects as they were (a
KubeVela ApplicationRevision snapshots them the same way). Where the objects come from
is the caller's: the same file (multi-document), or the hub cluster.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fleettui.engine.errors import AppInvalid, Problem

API_VERSION = "core.oam.dev/v1alpha1"
KINDS = ("Policy", "Workflow")
Key = tuple[str, str, str]  # (kind, namespace, name)
Lookup = Callable[[str, str, str], Awaitable[dict[str, Any] | None]]  # (kind, namespace, name)

_POLICY_KEYS = {"apiVersion", "kind", "metadata", "type", "properties"}
_WORKFLOW_KEYS = {"apiVersion", "kind", "metadata", "mode", "steps"}


def is_external(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("apiVersion") == API_VERSION and doc.get("kind") in KINDS


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    return m if isinstance(m := doc.get("metadata"), dict) else {}


def key_of(doc: dict[str, Any], default_namespace: str) -> Key:
    meta = _meta(doc)
    return str(doc.get("kind")), str(meta.get("namespace") or default_namespace), str(meta.get("name") or "")


def check(doc: dict[str, Any]) -> list[Problem]:
    """What is wrong with one standalone Policy or Workflow, by field."""
    p: list[Problem] = []
    if not _meta(doc).get("name"):
        p.append(Problem("metadata.name", "required"))
    known = _POLICY_KEYS if doc.get("kind") == "Policy" else _WORKFLOW_KEYS
    p += [Problem(k, f"field {k!r} is not supported (supported: {', '.join(sorted(known))})")
          for k in doc if k not in known]
    if doc.get("kind") == "Policy":
        if not isinstance(doc.get("type"), str) or not doc.get("type"):
            p.append(Problem("type", "required (the policy type, e.g. topology)"))
        if doc.get("properties") is not None and not isinstance(doc["properties"], dict):
            p.append(Problem("properties", "must be a mapping"))
    elif not isinstance(doc.get("steps"), list) or not doc["steps"]:
        p.append(Problem("steps", "at least one step is required"))
    return p


def split(docs: Iterable[Any], default_namespace: str = "default") -> tuple[list[Any], dict[Key, dict[str, Any]]]:
    """Applications (and anything else, for validation to name) apart from the standalone
    Policy/Workflow objects, keyed; a bad standalone object is refused naming its field."""
    apps: list[Any] = []
    found: dict[Key, dict[str, Any]] = {}
    for doc in docs:
        if not is_external(doc):
            apps.append(doc)
            continue
        key = key_of(doc, default_namespace)
        problems = check(doc)
        if problems:
            raise AppInvalid(f"{key[0]} {key[1]}/{key[2] or '<unnamed>'}", problems)
        found[key] = doc
    return apps, found


def references(doc: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The Workflow named by `spec.workflow.ref`, and the policy names deploy steps use that
    the application does not declare (anonymous ones get their generated names first)."""
    spec = sp if isinstance(sp := doc.get("spec"), dict) else {}
    wf = w if isinstance(w := spec.get("workflow"), dict) else {}
    ref = wf.get("ref") if isinstance(wf.get("ref"), str) and wf.get("ref") else None
    return ref, _missing_policies(spec, wf.get("steps"))


def _declared(spec: dict[str, Any]) -> set[str]:
    out = set()
    for i, p in enumerate(spec.get("policies") or []):
        if isinstance(p, dict):
            out.add(p.get("name") or f"{p.get('type')}-auto-gen-{i}")
    return out


def _missing_policies(spec: dict[str, Any], steps: Any) -> list[str]:
    declared = _declared(spec)
    out: list[str] = []

    def walk(items: Any) -> None:
        for s in items if isinstance(items, list) else []:
            if not isinstance(s, dict):
                continue
            props = pr if isinstance(pr := s.get("properties"), dict) else {}
            if s.get("type") == "deploy":
                for name in props.get("policies") or []:
                    if isinstance(name, str) and name not in declared and name not in out:
                        out.append(name)
            walk(s.get("subSteps"))

    walk(steps)
    return out


def inline(doc: dict[str, Any], found: Mapping[Key, dict[str, Any]], *,
           default_namespace: str = "default") -> dict[str, Any]:
    """The application with its referenced Workflow and Policy objects written in; AppInvalid
    naming the field whose reference has no object. A document without references comes
    back as it was."""
    ref, _ = references(doc)
    if ref is None and not _missing_policies(doc.get("spec") or {}, ((doc.get("spec") or {}).get("workflow")
                                                                     or {}).get("steps")):
        return doc
    out = copy.deepcopy(doc)
    ns = str(_meta(doc).get("namespace") or default_namespace)
    label = f"{ns}/{_meta(doc).get('name') or '<unnamed>'}"
    spec = out["spec"]
    problems: list[Problem] = []
    if ref is not None:
        wf_doc = found.get(("Workflow", ns, ref))
        if wf_doc is None:
            problems.append(Problem("spec.workflow.ref", f"no Workflow {ref!r} ({API_VERSION}) in namespace {ns}"))
        elif spec["workflow"].get("steps"):
            problems.append(Problem("spec.workflow.steps", "steps and ref are exclusive"))
        else:
            spec["workflow"] = {k: copy.deepcopy(v) for k, v in wf_doc.items() if k in ("mode", "steps")}
    wf = spec.get("workflow") if isinstance(spec.get("workflow"), dict) else {}
    for name in _missing_policies(spec, wf.get("steps")):
        pol = found.get(("Policy", ns, name))
        if pol is None:
            continue  # validation names the step field that uses it
        spec.setdefault("policies", []).append(
            {"name": name, "type": pol["type"], **({"properties": copy.deepcopy(pol["properties"])}
                                                    if pol.get("properties") is not None else {})})
    if problems:
        raise AppInvalid(label, problems)
    return out


async def fetch(doc: dict[str, Any], lookup: Lookup, *, default_namespace: str = "default"
                ) -> dict[Key, dict[str, Any]]:
    """The objects `doc` references, asked of `lookup` (the hub cluster)."""
    ref, policies = references(doc)
    ns = str(_meta(doc).get("namespace") or default_namespace)
    wanted = ([("Workflow", ns, ref)] if ref else []) + [("Policy", ns, p) for p in policies]
    out: dict[Key, dict[str, Any]] = {}
    for key in wanted:
        obj = await lookup(*key)
        if obj is not None:
            out[key] = obj
    if ref:
        wf = out.get(("Workflow", ns, ref))
        if wf is not None:  # the Workflow's deploy steps may name Policy objects too
            spec = doc.get("spec") or {}
            for p in _missing_policies(spec, wf.get("steps")):
                if ("Policy", ns, p) not in out:
                    obj = await lookup("Policy", ns, p)
                    if obj is not None:
                        out[("Policy", ns, p)] = obj
    return out
