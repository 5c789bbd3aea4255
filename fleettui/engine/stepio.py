"""Step `inputs` and `outputs`, as KubeVela passes values between steps.

`outputs: [{name, valueFrom}]` stores, when the step succeeds, the value at `valueFrom` in
the step's context — `output.value...` (what the step produced: apply-object's applied
object, as KubeVela's op.#Apply returns it) or `status.phase` / `status.message` — or a
quoted string literal. `inputs: [{from, parameterKey}]` sets the step's property at
`parameterKey` (a dotted path) to that stored value before the step runs; a value no step
produced fails the step, naming it.

KubeVela evaluates valueFrom as a CUE expression; fleettui takes the path forms its docs
use (`output.value.status.conditions[0].message`, `status.message`, `output.value["a.b"]`)
and a quoted literal, and refuses anything else at validation.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

from fleettui.engine.model import Step

OUTPUTS_KEY = "outputs"  # in status.workflow: name -> value (fleettui keeps them with the status)
_PART = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')
ROOTS = ("output", "status")


class PathError(ValueError):
    pass


def parse_path(text: str) -> list[str | int]:
    """`output.value.items[0]["a.b"]` -> ["output", "value", "items", 0, "a.b"]."""
    out: list[str | int] = []
    pos = 0
    while pos < len(text):
        m = _PART.match(text, pos)
        if m is None or m.end() == pos or (pos == 0 and text.startswith(".")):
            raise PathError(f"cannot read {text[pos:]!r} in {text!r}")
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)) if m.group(2) is not None
                   else m.group(3))
        pos = m.end()
    if not out:
        raise PathError("empty path")
    return out


def check_value_from(text: Any) -> str | None:
    """Why valueFrom cannot be read, or None."""
    if not isinstance(text, str) or not text:
        return "required: a path (output.value..., status.message) or a quoted string"
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return None
    try:
        parts = parse_path(text)
    except PathError as exc:
        return str(exc)
    if parts[0] not in ROOTS:
        return f"must start with {' or '.join(ROOTS)} (or be a quoted string), not {parts[0]!r}"
    return None


def value_from(text: str, *, output: Any, status: dict[str, Any]) -> Any:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    parts = parse_path(text)
    node: Any = {"output": output, "status": {"phase": status.get("phase"), "message": status.get("message", "")}}
    for part in parts:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return copy.deepcopy(node)


def with_inputs(step: Step, stored: dict[str, Any]) -> tuple[Step, str | None]:
    """The step with its inputs written into its properties; or why not (a missing value)."""
    inputs = step.inputs
    if not inputs:
        return step, None
    props = copy.deepcopy(step.properties)
    for item in inputs:
        name, key = item["from"], item["parameterKey"]
        if name not in stored:
            return step, f"input {name!r} has no value: no earlier step produced it"
        node = props
        keys = key.split(".")
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = copy.deepcopy(stored[name])
    return dataclasses.replace(step, properties=props), None
