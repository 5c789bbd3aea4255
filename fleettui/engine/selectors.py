"""Cluster label selectors: Kubernetes' string syntax (`kubectl -l`) and matchLabels maps.

One parser and one matcher for every place that picks clusters by label: a
topology policy's `clusterLabelSelector` (a map, i.e. equality terms), the
distribute dialog, and the dashboard's `/` filter. The grammar and semantics
are apimachinery's `labels.Parse`: terms joined by commas (AND); `key`,
`!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
`key notin (a,b)`, `key>n`, `key<n`. As there, `!=` and `notin` also match
a cluster that lacks the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fleettui.config.labels import label_key_error, label_value_error

EXISTS, NOT_EXISTS, EQUALS, NOT_EQUALS, IN, NOT_IN, GT, LT = (
    "exists", "!exists", "=", "!=", "in", "notin", ">", "<",
)

# one term: `!key`, `key <op> value`, `key in|notin (values)`, or a bare `key`
_SET_TERM = re.compile(r"^\s*(?P<key>[^\s=!<>(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*$")
_BIN_TERM = re.compile(r"^\s*(?P<key>[^\s=!<>(),]+)\s*(?P<op>==|=|!=|>|<)\s*(?P<value>[^\s=!<>(),]*)\s*$")
_NOT_TERM = re.compile(r"^\s*!\s*(?P<key>[^\s=!<>(),]+)\s*$")
_KEY_TERM = re.compile(r"^\s*(?P<key>[^\s=!<>(),]+)\s*$")


class SelectorError(ValueError):
    """The text is not a label selector; the message says which term and why."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        has = self.key in labels
        value = labels.get(self.key)
        if self.op == EXISTS:
            return has
        if self.op == NOT_EXISTS:
            return not has
        if self.op in (EQUALS, IN):
            return has and value in self.values
        if self.op in (NOT_EQUALS, NOT_IN):
            return not has or value not in self.values
        # > and <: both sides integers, as apimachinery compares them
        try:
            left, right = int(value or ""), int(self.values[0])
        except ValueError:
            return False
        return left > right if self.op == GT else left < right


@dataclass(frozen=True)
class Selector:
    requirements: tuple[Requirement, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @property
    def has_operator(self) -> bool:
        """Whether any term is more than a bare key (a lone word reads as plain text)."""
        return any(r.op != EXISTS for r in self.requirements)


def from_match_labels(match_labels: Mapping[str, object]) -> Selector:
    """A matchLabels map (a topology's `clusterLabelSelector`) as equality terms."""
    return Selector(tuple(Requirement(str(k), EQUALS, (str(v),)) for k, v in match_labels.items()))


def _split_terms(text: str) -> list[str]:
    """Commas separate terms, except inside `in (a,b)`."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError("label selector: unbalanced ')'")
        elif ch == "," and depth == 0:
            terms.append(text[start:i])
            start = i + 1
    if depth:
        raise SelectorError("label selector: unbalanced '('")
    terms.append(text[start:])
    return terms


def _check(key: str, values: tuple[str, ...], term: str) -> None:
    err = label_key_error(key)
    for v in values:
        err = err or label_value_error(key, v)
    if err:
        raise SelectorError(f"label selector term {term.strip()!r}: {err}")


def parse_selector(text: str) -> Selector:
    """`env=prod,tier in (web,api),!canary` -> Selector; SelectorError when it is not one."""
    if not text.strip():
        return Selector(())
    requirements = []
    for term in _split_terms(text):
        if m := _SET_TERM.match(term):
            values = tuple(v.strip() for v in m["values"].split(","))
            if values == ("",):
                raise SelectorError(f"label selector term {term.strip()!r}: empty value list")
            req = Requirement(m["key"], IN if m["op"] == "in" else NOT_IN, tuple(dict.fromkeys(values)))
        elif m := _BIN_TERM.match(term):
            op = {"==": EQUALS, "=": EQUALS}.get(m["op"], m["op"])
            if op in (GT, LT) and not re.fullmatch(r"-?\d+", m["value"]):
                raise SelectorError(f"label selector term {term.strip()!r}: {op} needs an integer")
            req = Requirement(m["key"], op, (m["value"],))
        elif m := _NOT_TERM.match(term):
            req = Requirement(m["key"], NOT_EXISTS)
        elif m := _KEY_TERM.match(term):
            req = Requirement(m["key"], EXISTS)
        else:
            raise SelectorError(f"label selector term {term.strip() or '(empty)'!r} is not "
                                "key, !key, key=value, key!=value, key in (...) or key notin (...)")
        _check(req.key, req.values if req.op not in (GT, LT) else (), term)
        requirements.append(req)
    return Selector(tuple(requirements))


def selector_or_none(text: str) -> Selector | None:
    """The selector a filter box means, or None when the text is plain words to search for."""
    try:
        sel = parse_selector(text)
    except SelectorError:
        return None
    return sel if sel.has_operator else None
