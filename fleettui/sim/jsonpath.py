"""The JSONPath subset of printer columns (CRD additionalPrinterColumns).

The apiserver evaluates a column's `jsonPath` with client-go's jsonpath package and
missing keys allowed. Columns in the wild use fields, `[*]`, `[N]`, `['key']` (label
keys with dots) and filters such as `[?(@.type=="Ready")]` or `[?(@.a.b!="c")]`;
those are what this module evaluates. Recursive descent (`..`), unions and slices are
not supported: `parse` rejects them with ValueError rather than guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Index:
    index: int | None  # None: every element ([*])


@dataclass(frozen=True)
class Filter:
    path: tuple[str, ...]  # fields below @
    op: str  # "==", "!=" or "" (the field exists)
    value: Any = None


Step = Field | Index | Filter

_FIELD = re.compile(r"\.([^.\[\]]+)")
_BRACKET_KEY = re.compile(r"\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]")
_INDEX = re.compile(r"\[\s*(\*|-?\d+)\s*\]")
_FILTER = re.compile(r"\[\s*\?\(\s*@((?:\.[\w-]+)+)\s*(?:(==|!=)\s*('[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?|true|false))?\s*\)\s*\]")


def parse(expr: str) -> tuple[Step, ...]:
    """`.status.conditions[?(@.type=="Ready")].status` (optionally in `{...}`) → steps."""
    s = expr.strip()
    if s.startswith("{") and s.endswith("}"):
        s = s[1:-1].strip()
    if s.startswith("$"):
        s = s[1:]
    if s and s[0] not in ".[":
        s = "." + s
    steps: list[Step] = []
    pos = 0
    while pos < len(s):
        if s.startswith("..", pos):
            raise ValueError(f"unsupported JSONPath (recursive descent): {expr}")
        for pattern in (_FIELD, _BRACKET_KEY, _INDEX, _FILTER):
            m = pattern.match(s, pos)
            if m:
                break
        else:
            raise ValueError(f"unsupported JSONPath at {s[pos:]!r}: {expr}")
        if pattern is _FIELD:
            steps.append(Field(m.group(1)))
        elif pattern is _BRACKET_KEY:
            steps.append(Field(m.group(1) if m.group(1) is not None else m.group(2)))
        elif pattern is _INDEX:
            steps.append(Index(None if m.group(1) == "*" else int(m.group(1))))
        else:
            path = tuple(m.group(1).lstrip(".").split("."))
            steps.append(Filter(path, m.group(2) or "", _literal(m.group(3)) if m.group(2) else None))
        pos = m.end()
    return tuple(steps)


def _literal(text: str) -> Any:
    if text[0] in "'\"":
        return text[1:-1]
    return json.loads(text)  # numbers, true, false


def _lookup(obj: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    for name in path:
        if not isinstance(obj, dict) or name not in obj:
            return False, None
        obj = obj[name]
    return True, obj


def _matches(item: Any, f: Filter) -> bool:
    found, value = _lookup(item, f.path)
    if not found:
        return False
    if f.op == "":
        return True
    equal = value == f.value and isinstance(value, bool) == isinstance(f.value, bool)  # 1 is not true
    return equal if f.op == "==" else not equal


def find(obj: Any, steps: tuple[Step, ...] | str) -> list[Any]:
    """Every value the path selects, in document order (missing keys select nothing)."""
    if isinstance(steps, str):
        steps = parse(steps)
    current = [obj]
    for step in steps:
        nxt: list[Any] = []
        for v in current:
            if isinstance(step, Field):
                if isinstance(v, dict) and step.name in v:
                    nxt.append(v[step.name])
            elif isinstance(step, Index):
                if isinstance(v, list):
                    if step.index is None:
                        nxt.extend(v)
                    elif -len(v) <= step.index < len(v):
                        nxt.append(v[step.index])
            elif isinstance(v, list):
                nxt.extend(item for item in v if _matches(item, step))
        current = nxt
    return current


def text(value: Any) -> str:
    """A value as jsonpath's printer writes it: strings bare, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))
