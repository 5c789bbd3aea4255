"""karma-style alert filters: `@cluster=edge-*,@state=firing,severity=critical,job!~kube.*`.

Pure, so the `fleettui alerts --filter` option and the alerts pane's filter box mean the
same thing. Label matchers are Prometheus' (`=`, `!=`, `=~`, `!~`, regexes anchored);
`@cluster` also takes a glob (`edge-*`), as karma's `@cluster` does, and `@state` is one of
firing, pending, silenced, inhibited, active.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass

_TERM = re.compile(r"^\s*(?P<label>@?[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*?)\s*$")
STATES = ("firing", "pending", "silenced", "inhibited", "active")


class FilterError(ValueError):
    """A filter that cannot be parsed; the message names the term."""


@dataclass(frozen=True)
class Filter:
    label: str  # a label name, or @cluster / @state
    op: str
    value: str

    def matches(self, labels: Mapping[str, str], *, cluster: str = "", state: str = "") -> bool:
        if self.label == "@cluster":
            have = cluster
        elif self.label == "@state":
            have = state
        else:
            have = labels.get(self.label, "")
        if self.op in ("=", "!="):
            hit = fnmatch.fnmatchcase(have, self.value) if self.label == "@cluster" else have == self.value
        else:
            hit = re.fullmatch(self.value, have) is not None
        return hit if self.op in ("=", "=~") else not hit


def _split(text: str) -> list[str]:
    """Split on commas outside quotes and regex brackets (`a=~"x,y"`, `a=~x{1,2}`)."""
    out, buf, depth, quote = [], "", 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0:
            out.append(buf)
            buf = ""
            continue
        buf += ch
    out.append(buf)
    return [t for t in (s.strip() for s in out) if t]


def parse(text: str) -> list[Filter]:
    out = []
    for term in _split(text or ""):
        m = _TERM.match(term)
        if not m:
            raise FilterError(f"{term!r}: expected label=value, label!=value, label=~regex or label!~regex")
        label, op, value = m.group("label"), m.group("op"), m.group("value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if label.startswith("@") and label not in ("@cluster", "@state"):
            raise FilterError(f"{term!r}: unknown {label} (known: @cluster, @state)")
        if label == "@state" and op in ("=", "!=") and value not in STATES:
            raise FilterError(f"{term!r}: a state is one of {', '.join(STATES)}")
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise FilterError(f"{term!r}: not a regular expression ({exc})") from exc
        out.append(Filter(label, op, value))
    return out


def matches(filters: list[Filter], labels: Mapping[str, str], *, cluster: str = "", state: str = "") -> bool:
    return all(f.matches(labels, cluster=cluster, state=state) for f in filters)
