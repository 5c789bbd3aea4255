"""The one label-selector parser: apimachinery's string syntax and matchLabels maps."""

from __future__ import annotations

import pytest

from fleettui.engine.selectors import (
    SelectorError,
    from_match_labels,
    parse_selector,
    selector_or_none,
)

ACK = {"fleettui.io/provider": "ack", "env": "prod", "tier": "web", "gpus": "4"}
IDC = {"fleettui.io/provider": "idc", "env": "staging"}
BARE: dict[str, str] = {}


@pytest.mark.parametrize(
    ("text", "ack", "idc", "bare"),
    [
        ("fleettui.io/provider=ack", True, False, False),
        ("fleettui.io/provider==ack", True, False, False),
        ("fleettui.io/provider!=ack", False, True, True),  # != matches a missing key, as in Kubernetes
        ("env in (prod, staging)", True, True, False),
        ("env notin (prod)", False, True, True),
        ("tier", True, False, False),
        ("!tier", False, True, True),
        ("env=prod,tier=web", True, False, False),  # comma is AND
        ("env=prod,!tier", False, False, False),
        ("env in (prod,staging),fleettui.io/provider!=idc", True, False, False),
        ("gpus>2", True, False, False),
        ("gpus<2", False, False, False),
        ("", True, True, True),
    ],
)
def test_selector_semantics(text, ack, idc, bare):
    sel = parse_selector(text)
    assert (sel.matches(ACK), sel.matches(IDC), sel.matches(BARE)) == (ack, idc, bare)


@pytest.mark.parametrize(
    "text",
    ["env in (prod", "env=prod)", "env in ()", "env=a b", "Bad Key=1", "gpus>two", "=prod", "env=x,"],
)
def test_what_is_not_a_selector_is_said(text):
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_filter_text_is_a_selector_only_with_an_operator():
    assert selector_or_none("hangzhou") is None  # a bare word is a search, not `hangzhou` exists
    assert selector_or_none("env in (prod") is None  # half-typed: searched as text meanwhile
    assert selector_or_none("fleettui.io/provider=ack") is not None
    assert selector_or_none("!canary") is not None


def test_match_labels_is_equality_per_pair():
    sel = from_match_labels({"fleettui.io/provider": "ack", "env": "prod"})
    assert sel.matches(ACK) and not sel.matches(IDC)
    assert from_match_labels({"replicas": 3}).matches({"replicas": "3"})  # YAML numbers compare as text
