"""The application model: KubeVela's `core.oam.dev/v1beta1` Application, the subset we run.

Parsing (validate.parse_application) turns a YAML/JSON document into frozen values and refuses — with the
field path — anything we would otherwise silently ignore: a component, trait,
policy or step type we do not implement, or a field we do not understand. A
file written for KubeVela therefore either runs the same here or is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from fleettui.config import yamlfile
from fleettui.config.errors import ConfigError
from fleettui.engine.errors import AppInvalid, Problem

API_VERSION = "core.oam.dev/v1beta1"
KIND = "Application"

# component and trait types: fleettui.engine.components (one registry)
POLICY_TYPES = ("topology", "override", "apply-once", "garbage-collect", "take-over", "read-only",
                "shared-resource", "replication", "resource-update",
                "placement", "replica-split")  # the last two: fleettui's own extensions
STEP_TYPES = ("deploy", "suspend", "step-group", "check-metrics", "notification", "print-message-in-status",
              "apply-object", "depends-on-app", "apply-component", "export-service")


@dataclass(frozen=True)
class Trait:
    type: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Component:
    name: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)
    traits: tuple[Trait, ...] = ()


@dataclass(frozen=True)
class Policy:
    name: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    name: str
    type: str
    properties: dict[str, Any] = field(default_factory=dict)
    sub_steps: tuple[Step, ...] = ()
    depends_on: tuple[str, ...] = ()  # steps (at the same level) that must be done first
    if_: str | None = None  # KubeVela's `if` (engine/conditions.py); None: run when nothing failed
    timeout: str | None = None  # Go duration: the step fails with reason Timeout past it
    inputs: tuple[dict[str, str], ...] = ()  # [{from, parameterKey}] (engine/stepio.py)
    outputs: tuple[dict[str, str], ...] = ()  # [{name, valueFrom}]


@dataclass(frozen=True)
class Application:
    """One parsed Application. `document` is the normalized manifest (no status)."""

    name: str
    namespace: str
    components: tuple[Component, ...]
    policies: tuple[Policy, ...]
    steps: tuple[Step, ...]  # the declared steps; empty means the default workflow
    document: dict[str, Any]
    mode: tuple[str, str] = ("StepByStep", "DAG")  # workflow.mode: (steps, subSteps)

    @property
    def spec(self) -> dict[str, Any]:
        return self.document["spec"]

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies if p.name == name), None)

    def spec_hash(self) -> str:
        """Identifies a revision: same spec, same hash (KubeVela reuses the revision)."""
        return spec_hash(self.spec)

    def workflow_steps(self) -> tuple[Step, ...]:
        """The declared steps, or KubeVela's default: one `deploy-<topology>` step per
        topology policy with every override policy before it (pkg/workflow/step/generator.go)."""
        if self.steps:
            return self.steps
        overrides = [p.name for p in self.policies if p.type == "override"]
        # fleettui's placement policies (no KubeVela equivalent) narrow every generated step
        placing = [p.name for p in self.policies if p.type in ("placement", "replica-split")]
        return tuple(
            Step(f"deploy-{p.name}", "deploy", {"policies": [*overrides, p.name, *placing]})
            for p in self.policies
            if p.type == "topology"
        )


def spec_hash(spec: dict[str, Any]) -> str:
    raw = json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def load_documents(text: str, *, source: str = "<input>") -> list[dict[str, Any]]:
    """The Application documents in a YAML stream (empty documents skipped)."""
    try:
        docs = [d for d in yamlfile.load_all(text, source=source) if d is not None]
    except ConfigError as exc:
        where = f" at line {exc.line}" if exc.line is not None else ""
        detail = exc.detail.removeprefix("not valid YAML: ")
        text = f"invalid YAML{where}: {detail}" if detail != exc.detail else f"{exc.detail}{where}"
        raise AppInvalid(source, [Problem("", text)]) from exc
    if not docs:
        raise AppInvalid(source, [Problem("", "no Application document found")])
    return docs

