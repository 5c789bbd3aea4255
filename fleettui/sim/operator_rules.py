"""What prometheus-operator does with `PrometheusRule` objects, as pure functions.

The operator turns each object into one rule file named `<namespace>-<name>-<uid>.yaml`,
checks it with Prometheus' own rule parser (we run `promtool check rules`), and drops
the fields the running Prometheus is too old for, saying so. The harness (promstack.py)
drives these functions from the cluster's change hook and reloads Prometheus.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

REASON_INVALID = "InvalidConfiguration"  # the operator's event reason for a rejected object
REASON_DROPPED = "UnsupportedField"  # ours: the operator only logs a dropped field
COMPONENT = "prometheus-operator"

# (where, field, first Prometheus version that knows it): what the operator drops below it
GROUP_FIELDS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("limit", (2, 31, 0)), ("query_offset", (2, 53, 0)), ("labels", (3, 0, 0)))
RULE_FIELDS: tuple[tuple[str, tuple[int, int, int]], ...] = (("keep_firing_for", (2, 42, 0)),)

_FILE_POSITION = re.compile(r"^\d+:\d+: ")  # a line:col in our generated file, not the user's
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int]:
    """'2.42.0+ds' → (2, 42, 0); unparseable → (0, 0, 0), so every cut-off applies."""
    m = _VERSION.match(text.strip())
    if not m:
        return (0, 0, 0)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


def _dotted(v: tuple[int, int, int]) -> str:
    return ".".join(map(str, v))


@dataclass
class RenderedRules:
    """One object's rule file, or why it is not loaded."""

    filename: str
    content: str = ""
    dropped: list[str] = field(default_factory=list)  # one sentence per dropped field
    error: str | None = None  # set: the object is rejected, its rules are not loaded


def rule_filename(obj: dict[str, Any]) -> str:
    m = obj.get("metadata") or {}
    return f"{m.get('namespace', 'default')}-{m.get('name', '')}-{m.get('uid', '')}.yaml"


def render(obj: dict[str, Any], version: tuple[int, int, int]) -> RenderedRules:
    """The rule file of one PrometheusRule for a Prometheus of `version` (JSON, which is
    YAML: the simulator carries no YAML library)."""
    out = RenderedRules(rule_filename(obj))
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        out.error = "spec: must be an object"
        return out
    groups = spec.get("groups", [])
    if not isinstance(groups, list):
        out.error = "spec.groups: must be a list"
        return out
    groups = copy.deepcopy(groups)
    running = _dotted(version)
    for gi, group in enumerate(groups):
        if not isinstance(group, dict):
            out.error = f"spec.groups[{gi}]: must be an object"
            return out
        gname = group.get("name", f"#{gi}")
        for key, since in GROUP_FIELDS:
            if key in group and version < since:
                del group[key]
                out.dropped.append(f"group {gname!r}: field {key!r} dropped: it needs Prometheus >= "
                                   f"{_dotted(since)}, this one runs {running}")
        for ri, rule in enumerate(group.get("rules") or []):
            if not isinstance(rule, dict):
                continue  # promtool says why
            for key, since in RULE_FIELDS:
                if key in rule and version < since:
                    del rule[key]
                    what = rule.get("alert") or rule.get("record") or f"#{ri}"
                    out.dropped.append(f"group {gname!r} rule {what!r}: field {key!r} dropped: it needs "
                                       f"Prometheus >= {_dotted(since)}, this one runs {running}")
            if isinstance(rule.get("expr"), int | float):
                rule["expr"] = str(rule["expr"])  # the CRD's int-or-string, as the operator writes it
    out.content = json.dumps({"groups": groups}, indent=1, sort_keys=True) + "\n"
    return out


def rejected_message(obj: dict[str, Any], error: str) -> str:
    m = obj.get("metadata") or {}
    return (f"PrometheusRule {m.get('namespace')}/{m.get('name')} was rejected due to invalid "
            f"configuration: {error}")


def promtool_error(output: str, path: str) -> str:
    """promtool's findings without its banner and temp-file path (the user never saw that
    file: the object's name is what they know)."""
    lines = []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("Checking ") or line == "FAILED:":
            continue
        line = _FILE_POSITION.sub("", line.replace(path + ": ", "")).replace(path, "rule file")
        lines.append(line)  # the position inside the expression (after the rule's name) stays
    return "; ".join(lines) or "promtool check rules failed"
