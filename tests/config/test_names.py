"""Kubernetes' name rules, table-tested against apimachinery's own cases and wording."""

import pytest

from fleettui.config import names
from fleettui.config.names import DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG, LABEL_VALUE_MSG


@pytest.mark.parametrize("value", ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "a" * 63])
def test_dns1123_label_valid(value):
    assert names.dns1123_label(value) == []


@pytest.mark.parametrize("value", ["", "A", "ABC", "aBc", "A1", "a_1", "a.1", "a 1", "a@b", "-a", "a-",
                                   "ünïcødé", "Bad_NS!", "a" * 64])
def test_dns1123_label_invalid(value):
    errs = names.dns1123_label(value)
    assert errs
    if len(value) <= 63:
        assert errs == [DNS1123_LABEL_MSG]
    else:
        assert errs == ["must be no more than 63 characters"]


def test_dns1123_label_message_is_kubernetes_wording():
    assert DNS1123_LABEL_MSG == ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                                 "characters or '-', and must start and end with an alphanumeric character")


@pytest.mark.parametrize("value", ["a", "a.b.c", "1.2.3", "a-1.b-2", "example.com", "a" * 253])
def test_dns1123_subdomain_valid(value):
    assert names.dns1123_subdomain(value) == []


@pytest.mark.parametrize("value", ["", "A", "Bad_Name", "a..b", ".a", "a.", "a_b.c", "with space", "a" * 254])
def test_dns1123_subdomain_invalid(value):
    errs = names.dns1123_subdomain(value)
    assert errs
    assert (DNS1123_SUBDOMAIN_MSG in errs) or errs == ["must be no more than 253 characters"]


@pytest.mark.parametrize("value", ["", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1",
                                   "1-2-3-4", "a.b", "A_B", "X" * 63])
def test_label_value_valid(value):
    assert names.label_value(value) == []


@pytest.mark.parametrize("value", ["nospecialchars%^=@", "Tama-nui-te-rā", "-leading", "trailing-",
                                   "with space", "a" * 64])
def test_label_value_invalid(value):
    errs = names.label_value(value)
    assert errs and (LABEL_VALUE_MSG in errs or errs == ["must be no more than 63 characters"])


@pytest.mark.parametrize("value", ["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
                                   "now-with-dashes/simple", "1-2-3-4.com/1-2-3-4", "fleettui.io/provider",
                                   "a" * 63, "k8s.io/" + "a" * 63])
def test_qualified_name_valid(value):
    assert names.qualified_name(value) == []


@pytest.mark.parametrize("value,fragment", [
    ("nospecialchars%^=@", "name part must consist"),
    ("-leading", "name part must consist"),
    ("/simple", "prefix part must be non-empty"),
    ("simple/", "name part must be non-empty"),
    ("a/b/c", "a qualified name must consist"),
    ("UPPER.io/a", "prefix part a lowercase RFC 1123 subdomain"),
    ("a" * 64, "name part must be no more than 63 characters"),
])
def test_qualified_name_invalid(value, fragment):
    assert any(fragment in e for e in names.qualified_name(value))


@pytest.mark.parametrize("value,ok", [("orders-api", True), ("a.b", True), ("a" * 63, True),
                                      ("a" * 64, False), ("Bad_Name", False), ("", False)])
def test_names_that_go_into_labels_are_at_most_63(value, ok):
    assert (names.object_name_in_labels(value) == []) is ok


def test_invalid_is_kubernetes_field_error_format():
    assert names.invalid("metadata.name", "Bad_Name", [DNS1123_SUBDOMAIN_MSG]) == (
        f'metadata.name: Invalid value: "Bad_Name": {DNS1123_SUBDOMAIN_MSG}')
