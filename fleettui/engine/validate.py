"""Validation of an Application document against what fleettui runs: every problem
found, each with its field path, so one refusal names everything to fix.

The parts are checked in their own modules (validate_components, validate_policies,
validate_workflow, on the helpers of validate_fields); this one puts the document
together and is where callers import from."""

from __future__ import annotations

import copy
from typing import Any

from fleettui.config import names
from fleettui.engine.errors import AppInvalid, Problem
from fleettui.engine.model import API_VERSION, KIND, Application
from fleettui.engine.validate_components import parse_components
from fleettui.engine.validate_fields import check_name, unknown_fields
from fleettui.engine.validate_policies import parse_policies, unknown_override_components
from fleettui.engine.validate_workflow import parse_workflow

__all__ = ["parse_application", "unknown_override_components"]

_APP_KEYS = {"apiVersion", "kind", "metadata", "spec", "status"}
_SPEC_KEYS = {"components", "policies", "workflow"}


def parse_application(doc: Any, *, default_namespace: str = "default") -> Application:
    """Validate and normalize one Application document; raise AppInvalid naming every problem."""
    p: list[Problem] = []
    if not isinstance(doc, dict):
        raise AppInvalid("<input>", [Problem("", "an Application must be a mapping")])
    meta = m if isinstance(m := doc.get("metadata"), dict) else {}
    name = n if isinstance(n := meta.get("name"), str) else ""
    namespace = meta.get("namespace") or default_namespace
    label = f"{namespace}/{name}" if name else "<unnamed>"
    if doc.get("apiVersion") != API_VERSION or doc.get("kind") != KIND:
        p.append(Problem("apiVersion", f"expected apiVersion {API_VERSION} kind {KIND}, "
                         f"got {doc.get('apiVersion')!r} {doc.get('kind')!r}"))
    if not name:
        p.append(Problem("metadata.name", "required"))
    else:
        # the name is also the value of app.oam.dev/name on every placed object
        check_name(p, "metadata.name", name, names.object_name_in_labels)
    if not isinstance(namespace, str):
        p.append(Problem("metadata.namespace", "must be a string"))
        namespace, label = default_namespace, f"{default_namespace}/{name}" if name else "<unnamed>"
    else:
        check_name(p, "metadata.namespace", namespace, names.dns1123_label)
    unknown_fields(p, doc, _APP_KEYS, "")
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        p.append(Problem("spec", "required mapping"))
        raise AppInvalid(label, p)
    unknown_fields(p, spec, _SPEC_KEYS, "spec")
    components = tuple(parse_components(p, spec.get("components")))
    policies = tuple(parse_policies(p, spec.get("policies"), {c.name for c in components}))
    steps = tuple(parse_workflow(p, spec.get("workflow"), {x.name: x for x in policies}, {c.name for c in components}))
    if not steps and not any(x.type == "topology" for x in policies):
        # KubeVela would deploy to its own hub cluster; fleettui has no "local" cluster.
        p.append(Problem("spec.policies", "no topology policy: say which clusters to deploy to"))
    if p:
        raise AppInvalid(label, p)
    document = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {k: copy.deepcopy(v) for k, v in meta.items()
                     if k in ("name", "labels", "annotations")} | {"namespace": namespace},
        "spec": copy.deepcopy(spec),
    }
    wmode = ((spec.get("workflow") or {}).get("mode") or {}) if isinstance(spec.get("workflow"), dict) else {}
    mode = (wmode.get("steps") or "StepByStep", wmode.get("subSteps") or "DAG") if isinstance(wmode, dict) \
        else ("StepByStep", "DAG")
    return Application(name, namespace, components, policies, steps, document, mode)
