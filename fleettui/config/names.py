"""Kubernetes' name rules (k8s.io/apimachinery/pkg/util/validation), in Kubernetes' own words.

Checked before anything is stored, so a name a cluster would refuse is refused at
once with the field named, not minutes later as a multi-kilobyte 422 from every
cluster. Each function returns the list of problems (empty: valid), as the
apimachinery functions do, so callers can report them all.
"""

from __future__ import annotations

import re

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
LABEL_VALUE_MAX = 63
QUALIFIED_NAME_MAX = 63

_LABEL_FMT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(rf"^{_LABEL_FMT}$")
_DNS1123_SUBDOMAIN = re.compile(rf"^{_LABEL_FMT}(\.{_LABEL_FMT})*$")
_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"


def dns1123_label(value: str) -> list[str]:
    """Namespaces, and names Kubernetes uses as DNS labels (≤ 63)."""
    errs = []
    if len(value) > DNS1123_LABEL_MAX:
        errs.append(_max_len(DNS1123_LABEL_MAX))
    if not _DNS1123_LABEL.match(value):
        errs.append(DNS1123_LABEL_MSG)
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    """Most object names (≤ 253)."""
    errs = []
    if len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(_max_len(DNS1123_SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(DNS1123_SUBDOMAIN_MSG)
    return errs


def label_value(value: str) -> list[str]:
    errs = []
    if len(value) > LABEL_VALUE_MAX:
        errs.append(_max_len(LABEL_VALUE_MAX))
    if value and not _QUALIFIED.match(value):
        errs.append(LABEL_VALUE_MSG)
    return errs


def qualified_name(value: str) -> list[str]:
    """Label keys (and annotation keys): an optional DNS-subdomain prefix, '/', a name ≤ 63."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        errs = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs = ["prefix part must be non-empty"]
        else:
            errs = [f"prefix part {e}" for e in dns1123_subdomain(prefix)]
    else:
        return ["a qualified name " + QUALIFIED_NAME_MSG
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    else:
        if len(name) > QUALIFIED_NAME_MAX:
            errs.append("name part " + _max_len(QUALIFIED_NAME_MAX))
        if not _QUALIFIED.match(name):
            errs.append("name part " + QUALIFIED_NAME_MSG)
    return errs


def object_name_in_labels(value: str) -> list[str]:
    """A name that is both an object name and written into labels (application,
    component and cluster names: `app.oam.dev/name`, `app.oam.dev/cluster`, ...):
    a DNS-1123 subdomain that is also a valid label value, so at most 63 characters."""
    errs = [e for e in dns1123_subdomain(value) if e != _max_len(DNS1123_SUBDOMAIN_MAX)]
    if len(value) > LABEL_VALUE_MAX:
        errs.insert(0, _max_len(LABEL_VALUE_MAX))
    return errs


def invalid(field: str, value: object, errors: list[str]) -> str:
    """Kubernetes' field-error wording: `field: Invalid value: "x": why; why`."""
    shown = value if not isinstance(value, str) or len(value) <= 80 else value[:77] + "..."
    return f'{field}: Invalid value: "{shown}": ' + "; ".join(errors)
