"""Labels as kubectl takes them (`k=v`, `k-`), checked with Kubernetes' rules (config/names.py)."""

from __future__ import annotations

from fleettui.config import names


def label_key_error(key: str) -> str | None:
    """Why `key` is not a valid label key, or None when it is."""
    if not key:
        return "label key is empty"
    errs = names.qualified_name(key)
    return names.invalid("label key", key, errs) if errs else None


def label_value_error(key: str, value: object) -> str | None:
    if not isinstance(value, str):
        return f"label {key!r}: value must be a string (quote it: '{value}')"
    errs = names.label_value(value)
    return names.invalid(f"label {key!r} value", value, errs) if errs else None


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
