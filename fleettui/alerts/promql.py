"""Just enough PromQL to find what a live check needs: the series selectors of an
expression (metric name and label matchers, with their range window if any) and the
function each range feeds. Not a parser: Prometheus parses (promtool, the server's
400 bad_data); this only has to walk a valid expression without being fooled by
strings, comments, durations, `by (...)` label lists and keywords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# keywords and aggregations that look like identifiers but are not metric names
KEYWORDS = frozenset({
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "and", "or", "unless", "atan2", "sum", "min", "max", "avg", "group", "stddev", "stdvar",
    "count", "count_values", "bottomk", "topk", "quantile", "inf", "nan",
})

_DURATION = r"(?:\d+(?:ms|[smhdwy]))+"
_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<comment>\#[^\n]*)
    |(?P<string>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`[^`]*`)
    |(?P<range>\[\s*(?P<dur>""" + _DURATION + r""")\s*(?::\s*(?:""" + _DURATION + r""")?\s*)?\])
    |(?P<duration>""" + _DURATION + r"""(?![A-Za-z0-9_]))
    |(?P<number>0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    |(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
    |(?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=,(){}@])
    |(?P<bad>.)""",
    re.X,
)
_LABEL_LISTS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def duration_seconds(text: str) -> float:
    """Prometheus duration ('1h30m', '90s', '500ms') in seconds; ValueError if it is not one."""
    text = text.strip()
    if not re.fullmatch(_DURATION, text):
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+)(ms|[smhdwy])", text))


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str  # = != =~ !~
    value: str


@dataclass(frozen=True)
class Selector:
    """One series selector as written: `metric{l="v"}[5m]`; `function` is the call it is
    the argument of (rate, increase, max_over_time, ...), `range` its window in seconds."""

    metric: str | None
    matchers: tuple[Matcher, ...]
    range: float | None = None
    function: str | None = None
    text: str = ""

    def promql(self) -> str:
        """The instant selector (no range): what to ask a Prometheus whether series exist."""
        parts = [f'{m.label}{m.op}"{_escape(m.value)}"' for m in self.matchers]
        return (self.metric or "") + ("{" + ",".join(parts) + "}" if parts or not self.metric else "")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _unquote(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _tokens(expr: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(expr):
        kind = m.lastgroup or ""
        if kind in ("ws", "comment"):
            continue
        if kind == "range":
            out.append(("range", m.group("dur")))
        elif kind == "bad":
            raise ValueError(f"unexpected character {m.group()!r} at position {m.start() + 1}")
        else:
            out.append((kind, m.group()))
    return out


def selectors(expr: str) -> list[Selector]:
    """Every series selector in `expr`, in order. ValueError on text that cannot be PromQL."""
    toks = _tokens(expr)
    out: list[Selector] = []
    calls: list[str | None] = []  # the function each open parenthesis belongs to
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else ("", "")
        if kind == "op" and text == "(":
            prev = toks[i - 1] if i else ("", "")
            calls.append(prev[1] if prev[0] == "ident" else None)
        elif kind == "op" and text == ")":
            if calls:
                calls.pop()
        elif kind == "ident" and text.lower() in KEYWORDS:
            # `sum by (a, b) (x)`, `on (a) group_left (b)`: those lists are label names
            i = _skip_label_list(toks, i + 1) if text.lower() in _LABEL_LISTS else i + 1
            continue
        elif kind == "ident" and nxt == ("op", "("):
            pass  # a function call or an aggregation: its name is not a metric
        elif kind == "ident" or (kind == "op" and text == "{"):
            metric = text if kind == "ident" else None
            j = i + 1 if kind == "ident" else i
            matchers: list[Matcher] = []
            if j < len(toks) and toks[j] == ("op", "{"):
                j, matchers = _matchers(toks, j + 1)
            if metric is None:
                named = [m for m in matchers if m.label == "__name__" and m.op == "="]
                metric = named[0].value if named else None
            rng = None
            if j < len(toks) and toks[j][0] == "range":
                rng = duration_seconds(toks[j][1])
                j += 1
            func = calls[-1] if calls else None
            out.append(Selector(metric, tuple(matchers), rng, func, text=_render(toks[i:j])))
            i = j
            continue
        i += 1
    return out


def _skip_label_list(toks: list[tuple[str, str]], i: int) -> int:
    if i < len(toks) and toks[i] == ("op", "("):
        while i < len(toks) and toks[i] != ("op", ")"):
            i += 1
        return i + 1
    return i


def _matchers(toks: list[tuple[str, str]], i: int) -> tuple[int, list[Matcher]]:
    out = []
    while i < len(toks) and toks[i] != ("op", "}"):
        if toks[i] == ("op", ","):
            i += 1
            continue
        if i + 2 >= len(toks) or toks[i + 2][0] != "string":
            raise ValueError(f"malformed label matcher near {toks[i][1]!r}")
        out.append(Matcher(toks[i][1], toks[i + 1][1], _unquote(toks[i + 2][1])))
        i += 3
    return i + 1, out


def _render(toks: list[tuple[str, str]]) -> str:
    return "".join(f"[{t}]" if k == "range" else t for k, t in toks)


RATE_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes"})
