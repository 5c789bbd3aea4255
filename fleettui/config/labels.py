"""Kubernetes label syntax, so a label written in the fleet file is one a cluster would accept."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def label_key_error(key: str) -> str | None:
    """Why `key` is not a valid label key, or None when it is."""
    if not key:
        return "label key is empty"
    prefix, _, name = key.rpartition("/")
    if "/" in key and not prefix:
        return f"label key {key!r}: prefix before '/' is empty"
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return f"label key {key!r}: prefix must be a DNS subdomain (lower case, at most 253 characters)"
    if len(name) > 63 or not _NAME.match(name):
        return (
            f"label key {key!r}: name must be at most 63 characters of letters, digits, "
            "'-', '_' or '.', starting and ending with a letter or digit"
        )
    return None


def label_value_error(key: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"label {key!r}: value must be a string (quote it: '{value}')"
    if value and (len(value) > 63 or not _NAME.match(value)):
        return (
            f"label {key!r}: value {value!r} must be at most 63 characters of letters, digits, "
            "'-', '_' or '.', starting and ending with a letter or digit"
        )
    return None


def parse_label_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """kubectl-style `k=v` (set) and `k-` (remove) arguments -> (to set, to remove)."""
    to_set: dict[str, str] = {}
    to_remove: list[str] = []
    for arg in args:
        if "=" in arg:
            key, _, value = arg.partition("=")
            err = label_key_error(key) or label_value_error(key, value)
            if err:
                raise ValueError(err)
            to_set[key] = value
        elif arg.endswith("-") and len(arg) > 1:
            key = arg[:-1]
            err = label_key_error(key)
            if err:
                raise ValueError(err)
            to_remove.append(key)
        else:
            raise ValueError(f"invalid label argument {arg!r}: expected KEY=VALUE or KEY-")
    both = set(to_set) & set(to_remove)
    if both:
        raise ValueError(f"label {sorted(both)[0]!r} is both set and removed")
    return to_set, to_remove
