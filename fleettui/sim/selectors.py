"""Label and field selectors as the apiserver parses them (`?labelSelector=`, `?fieldSelector=`).

Label grammar (k8s.io/apimachinery/pkg/labels): comma-separated requirements, each
`key`, `!key`, `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a,b)`.
Field selectors support `=`, `==`, `!=` on metadata.name and metadata.namespace (what
every resource supports) plus a few per-kind fields kubectl and controllers use.
A selector that does not parse is a 400 BadRequest, as in a real server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fleettui.sim.errors import bad_request

Matcher = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(r"\s*(\(|\)|,|!=|==|=|!|[^\s(),!=]+)")
_KEY = re.compile(r"^([a-z0-9A-Z]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$")


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise bad_request(f"unable to parse requirement: invalid label selector {text!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def parse_label_selector(text: str | None) -> Matcher | None:
    if not text or not text.strip():
        return None
    toks = _tokens(text)
    reqs: list[Matcher] = []
    i = 0

    def need(cond: bool) -> None:
        if not cond:
            raise bad_request(f"unable to parse requirement: invalid label selector {text!r}")

    while i < len(toks):
        neg = toks[i] == "!"
        if neg:
            i += 1
        need(i < len(toks) and _KEY.match(toks[i]) is not None)
        key = toks[i]
        i += 1
        if neg:
            reqs.append(lambda labels, k=key: k not in labels)
        elif i >= len(toks) or toks[i] == ",":
            reqs.append(lambda labels, k=key: k in labels)
        elif toks[i] in ("=", "==", "!="):
            op = toks[i]
            i += 1
            value = ""
            if i < len(toks) and toks[i] != ",":
                value = toks[i]
                i += 1
            if op == "!=":
                reqs.append(lambda labels, k=key, v=value: labels.get(k) != v)
            else:
                reqs.append(lambda labels, k=key, v=value: labels.get(k) == v)
        elif toks[i] in ("in", "notin"):
            op = toks[i]
            i += 1
            need(i < len(toks) and toks[i] == "(")
            i += 1
            values: set[str] = set()
            while i < len(toks) and toks[i] != ")":
                if toks[i] != ",":
                    values.add(toks[i])
                i += 1
            need(i < len(toks))
            i += 1
            if op == "in":
                need(bool(values))
                reqs.append(lambda labels, k=key, vs=frozenset(values): labels.get(k) in vs)
            else:
                reqs.append(lambda labels, k=key, vs=frozenset(values): labels.get(k) not in vs)
        else:
            need(False)
        if i < len(toks):
            need(toks[i] == ",")
            i += 1
            need(i < len(toks))

    def match(obj: dict[str, Any]) -> bool:
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(r(labels) for r in reqs)

    return match


def selector_from_label_selector(sel: dict[str, Any] | None) -> str:
    """A LabelSelector object (matchLabels/matchExpressions) as the string form."""
    if not sel:
        return ""
    parts = [f"{k}={v}" for k, v in (sel.get("matchLabels") or {}).items()]
    for e in sel.get("matchExpressions") or ():
        op, key, vals = e.get("operator"), e.get("key"), ",".join(e.get("values") or ())
        parts.append({"In": f"{key} in ({vals})", "NotIn": f"{key} notin ({vals})",
                      "Exists": key, "DoesNotExist": f"!{key}"}.get(op, key))
    return ",".join(parts)


_FIELDS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "metadata.name": lambda o: o.get("metadata", {}).get("name"),
    "metadata.namespace": lambda o: o.get("metadata", {}).get("namespace", ""),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName", ""),
    "status.phase": lambda o: (o.get("status") or {}).get("phase", ""),
    "involvedObject.name": lambda o: (o.get("involvedObject") or {}).get("name", ""),
    "involvedObject.kind": lambda o: (o.get("involvedObject") or {}).get("kind", ""),
    "involvedObject.namespace": lambda o: (o.get("involvedObject") or {}).get("namespace", ""),
    "involvedObject.uid": lambda o: (o.get("involvedObject") or {}).get("uid", ""),
    "type": lambda o: o.get("type", ""),
    "reason": lambda o: o.get("reason", ""),
}


def parse_field_selector(text: str | None, kind: str) -> Matcher | None:
    if not text or not text.strip():
        return None
    reqs: list[Matcher] = []
    for part in text.split(","):
        part = part.strip()
        m = re.match(r"^([A-Za-z0-9_.]+)\s*(==|!=|=)\s*(.*)$", part)
        if not m:
            raise bad_request(f"invalid field selector: {part!r}")
        field, op, value = m.groups()
        getter = _FIELDS.get(field)
        if getter is None or (field.startswith(("spec.", "status.")) and kind != "Pod") or (
            field in ("type", "reason") or field.startswith("involvedObject.")) and kind != "Event":
            raise bad_request(f'field label not supported: {field}')
        if op == "!=":
            reqs.append(lambda o, g=getter, v=value: (g(o) or "") != v)
        else:
            reqs.append(lambda o, g=getter, v=value: (g(o) or "") == v)
    return lambda o: all(r(o) for r in reqs)
