"""Offline checks of a rule set: nothing here talks to a cluster.

Every variant (not just the base) goes through the PrometheusRule schema and through
Prometheus' own rule parser (`promtool check rules`), because an override can break a
rule that was valid as authored. Findings are `Finding`s, all of them collected, so
one run names everything to fix.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.alerts.promql import duration_seconds
from fleettui.alerts.rulesets import Variant

# prometheus-operator drops these fields when the Prometheus it configures is older
GROUP_FIELDS = (("limit", (2, 31, 0)), ("query_offset", (2, 53, 0)), ("labels", (3, 0, 0)))
RULE_FIELDS = (("keep_firing_for", (2, 42, 0)),)
_GROUP_KEYS = {"name", "interval", "limit", "query_offset", "labels", "rules", "partial_response_strategy"}
_RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


@dataclass(frozen=True)
class Finding:
    """One problem (`level` "error" refuses the save; "warning" is said and allowed)."""

    level: str
    where: str  # cluster(s) or "all"
    rule: str  # group/rule name, or "" for the whole set
    message: str

    def __str__(self) -> str:
        at = f" {self.rule}" if self.rule else ""
        return f"{self.level}: [{self.where}]{at}: {self.message}"


def parse_version(text: str) -> tuple[int, int, int] | None:
    m = _VERSION.match(text.strip())
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)) if m else None


def _rules(rule: dict[str, Any]) -> Iterable[tuple[int, dict[str, Any], int, Any]]:
    for gi, group in enumerate((rule.get("spec") or {}).get("groups") or []):
        if isinstance(group, dict):
            for ri, r in enumerate(group.get("rules") or []):
                yield gi, group, ri, r


def rule_label(group: dict[str, Any], ri: int, r: Any) -> str:
    name = (r.get("alert") or r.get("record")) if isinstance(r, dict) else None
    return f"{group.get('name', '?')}/{name or f'rules[{ri}]'}"


def schema(rule: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule, message) for every departure from the PrometheusRule schema."""
    out: list[tuple[str, str]] = []
    spec = rule.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("groups"), list) or not spec["groups"]:
        return [("", "spec.groups: a non-empty list of groups is required")]
    seen: set[str] = set()
    for gi, group in enumerate(spec["groups"]):
        if not isinstance(group, dict):
            out.append((f"groups[{gi}]", "must be a mapping"))
            continue
        gname = group.get("name")
        if not isinstance(gname, str) or not gname:
            out.append((f"groups[{gi}]", "name: required"))
        elif gname in seen:
            out.append((gname, "group name is used twice (Prometheus refuses duplicate groups)"))
        seen.add(str(gname))
        out += [(str(gname), f"unknown field {k!r}") for k in sorted(set(group) - _GROUP_KEYS)]
        for key in ("interval", "query_offset"):
            if key in group and not _is_duration(group[key]):
                out.append((str(gname), f"{key}: {group[key]!r} is not a duration (e.g. 30s, 5m)"))
        if not isinstance(group.get("rules"), list):
            out.append((str(gname), "rules: a list is required"))
            continue
        for ri, r in enumerate(group["rules"]):
            label = rule_label(group, ri, r)
            if not isinstance(r, dict):
                out.append((label, "must be a mapping"))
                continue
            out += [(label, f"unknown field {k!r}") for k in sorted(set(r) - _RULE_KEYS)]
            if bool(r.get("alert")) == bool(r.get("record")):
                out.append((label, "exactly one of alert or record is required"))
            if r.get("record") and not _NAME.match(str(r["record"])):
                out.append((label, f"record: {r['record']!r} is not a valid metric name"))
            if not isinstance(r.get("expr"), str | int) or r.get("expr") == "":
                out.append((label, "expr: required (a PromQL expression)"))
            for key in ("for", "keep_firing_for"):
                if key in r and not _is_duration(r[key]):
                    out.append((label, f"{key}: {r[key]!r} is not a duration (e.g. 30s, 5m)"))
                if key in r and r.get("record"):
                    out.append((label, f"{key}: only alerting rules have it"))
            for key in ("labels", "annotations"):
                value = r.get(key)
                if value is not None and (not isinstance(value, dict)
                                          or not all(isinstance(v, str) for v in value.values())):
                    out.append((label, f"{key}: a mapping of strings is required"))
    return out


def _is_duration(value: Any) -> bool:
    try:
        duration_seconds(str(value))
        return True
    except ValueError:
        return False


def cutoffs(rule: dict[str, Any], version: tuple[int, int, int]) -> list[tuple[str, str]]:
    """What prometheus-operator would drop from this rule for a Prometheus of `version`."""
    running = ".".join(map(str, version))
    out = []
    for gi, group in enumerate((rule.get("spec") or {}).get("groups") or []):
        if not isinstance(group, dict):
            continue
        for key, since in GROUP_FIELDS:
            if key in group and version < since:
                out.append((str(group.get("name", gi)), f"{key} is dropped: it needs Prometheus >= "
                                                         f"{'.'.join(map(str, since))}, this one runs {running}"))
        for ri, r in enumerate(group.get("rules") or []):
            for key, since in RULE_FIELDS:
                if isinstance(r, dict) and key in r and version < since:
                    out.append((rule_label(group, ri, r), f"{key} is dropped: it needs Prometheus >= "
                                                          f"{'.'.join(map(str, since))}, this one runs {running}"))
    return out


_PROMTOOL_RULE = re.compile(r'group "(?P<group>[^"]*)", rule (?P<n>\d+), "(?P<name>[^"]*)": (?P<msg>.*)')


def promtool_check(rule: dict[str, Any], *, promtool: str | None = None, timeout: float = 20.0) -> list[tuple[str, str]]:
    """Prometheus' own parser on one rule file: (group/rule, message with its position)."""
    binary = promtool or shutil.which("promtool")
    if binary is None:
        return [("", "promtool is not installed (Debian package prometheus): the rules cannot be "
                     "checked with Prometheus' own parser")]
    groups = (rule.get("spec") or {}).get("groups") or []
    for g in groups:
        for r in g.get("rules") or [] if isinstance(g, dict) else []:
            if isinstance(r, dict) and isinstance(r.get("expr"), int | float):
                r["expr"] = str(r["expr"])  # the CRD's int-or-string, as the operator writes it
    fd, path = tempfile.mkstemp(prefix="fleettui-rules-", suffix=".yaml")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump({"groups": groups}, fh)
        try:
            proc = subprocess.run([binary, "check", "rules", path], capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [("", f"promtool could not run: {exc}")]
    finally:
        os.unlink(path)
    if proc.returncode == 0:
        return []
    out = []
    for line in (proc.stdout + proc.stderr).splitlines():
        line = line.strip().replace(path + ": ", "").replace(path, "rule file")
        if not line or line.startswith(("Checking ", "FAILED:", "SUCCESS")):
            continue
        m = _PROMTOOL_RULE.search(line)
        out.append((f"{m.group('group')}/{m.group('name')}", m.group("msg")) if m else ("", line))
    return out or [("", "promtool check rules failed")]


def offline(variants: Sequence[Variant], *, versions: Mapping[str, tuple[int, int, int] | None] | None = None,
            promtool: str | None = None) -> list[Finding]:
    """Schema and promtool on every distinct variant; the cut-offs per cluster's version."""
    findings: list[Finding] = []
    by_spec: dict[str, list[Variant]] = {}
    for v in variants:
        key = hashlib.sha256(json.dumps(v.rule.get("spec"), sort_keys=True).encode()).hexdigest()
        by_spec.setdefault(key, []).append(v)
    for group in by_spec.values():
        where = ",".join(v.cluster for v in group) if len(group) < len(variants) else "all"
        rule = json.loads(json.dumps(group[0].rule))
        problems = schema(rule)
        findings += [Finding("error", where, r, m) for r, m in problems]
        if not problems:
            findings += [Finding("error", where, r, m) for r, m in promtool_check(rule, promtool=promtool)]
    for v in variants:
        version = (versions or {}).get(v.cluster)
        if version is not None:
            findings += [Finding("warning", v.cluster, r, m) for r, m in cutoffs(v.rule, version)]
    return findings
