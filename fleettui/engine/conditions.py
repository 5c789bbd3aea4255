"""A step's `if`, as KubeVela writes it: `always`, or a boolean expression over the status
of earlier steps — `status.deploy.phase == "succeeded"`, `status["deploy-canary"].phase !=
"failed"`, `status.check.timeout`, joined with `&&`, `||`, `!` and parentheses.

KubeVela evaluates it as CUE; this is the subset its docs and examples use, parsed here
(no eval): a name the expression uses that no step has is an error at validation, not a
silent false at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALWAYS = "always"
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||[!().\[\]])'
                    r"|(?P<id>[A-Za-z_][A-Za-z0-9_-]*))")
STEP_FIELDS = ("phase", "message", "reason", "timeout")


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class StepRef:
    step: str
    field: str


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ConditionError(f"cannot read {text[pos:].strip()[:20]!r} in condition {text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise ConditionError(f"condition {self.text!r} ends too early")
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise ConditionError(f"expected {want!r}, found {tok[1]!r} in condition {self.text!r}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        node = self.or_()
        if self.i != len(self.toks):
            raise ConditionError(f"unexpected {self.toks[self.i][1]!r} in condition {self.text!r}")
        return node

    def or_(self) -> Any:
        node = self.and_()
        while self.peek() == "||":
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Any:
        node = self.not_()
        while self.peek() == "&&":
            self.take()
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Any:
        if self.peek() == "!":
            self.take()
            return ("not", self.not_())
        left = self.atom()
        if self.peek() in ("==", "!="):
            op = self.take()[1]
            return (op, left, self.atom())
        return left

    def atom(self) -> Any:
        kind, value = self.take()
        if value == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind == "str":
            return ("lit", bytes(value[1:-1], "utf-8").decode("unicode_escape"))
        if kind == "num":
            return ("lit", float(value))
        if kind == "id" and value in ("true", "false"):
            return ("lit", value == "true")
        if kind == "id" and value == "status":
            return self.step_ref()
        raise ConditionError(f"{value!r} is not supported in condition {self.text!r} "
                             '(use status.<step>.phase == "succeeded" and the like)')

    def step_ref(self) -> Any:
        if self.peek() == "[":
            self.take()
            kind, name = self.take()
            if kind != "str":
                raise ConditionError(f'status[...] takes a quoted step name in condition {self.text!r}')
            self.take("]")
            step = name[1:-1]
        else:
            self.take(".")
            step = self.take()[1]
        self.take(".")
        field = self.take()[1]
        if field not in STEP_FIELDS:
            raise ConditionError(f"status.{step}.{field}: a step's {', '.join(STEP_FIELDS)} can be tested, "
                                 f"not {field!r}")
        return ("ref", StepRef(step, field))


def parse(text: str) -> Any:
    """The condition's tree; ConditionError saying what is wrong."""
    if text.strip() == ALWAYS:
        return ("lit", True)
    return _Parser(text).parse()


def refs(tree: Any) -> list[StepRef]:
    if tree[0] == "ref":
        return [tree[1]]
    return [r for x in tree[1:] if isinstance(x, tuple) for r in refs(x)]


def evaluate(tree: Any, steps: dict[str, dict[str, Any]]) -> bool:
    """`steps`: step name -> its status entry."""
    return bool(_value(tree, steps))


def _value(tree: Any, steps: dict[str, dict[str, Any]]) -> Any:
    op = tree[0]
    if op == "lit":
        return tree[1]
    if op == "ref":
        ref: StepRef = tree[1]
        st = steps.get(ref.step) or {}
        if ref.field == "timeout":
            return st.get("reason") == "Timeout"
        return st.get(ref.field, "")
    if op == "not":
        return not _value(tree[1], steps)
    if op == "and":
        return bool(_value(tree[1], steps)) and bool(_value(tree[2], steps))
    if op == "or":
        return bool(_value(tree[1], steps)) or bool(_value(tree[2], steps))
    left, right = _value(tree[1], steps), _value(tree[2], steps)
    return (left == right) if op == "==" else (left != right)
