"""A custom resource checked against its CRD's `openAPIV3Schema`, as the apiserver does.

The subset CRDs in the wild lean on: type, properties, required, items,
additionalProperties, enum, pattern, minLength / maxLength, minimum / maximum,
minItems / maxItems, format date-time, nullable and x-kubernetes-int-or-string. The
causes carry apiextensions-apiserver's wording (kube-openapi's error turned into a
field error): `spec.taints[0].key: Invalid value: "bad key!!": spec.taints[0].key in body
should match '^...$'`, `Unsupported value: "X": supported values: "A", "B"`, `Too long: may
not be longer than 316`, `Required value`. Not done: pruning of unknown fields, CEL rules
(x-kubernetes-validations), formats other than date-time.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

Cause = tuple[str, str, str]  # (reason, field, message), as validation.py

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def version_schema(crd: dict[str, Any], api_version: str) -> dict[str, Any] | None:
    """The openAPIV3Schema of the CRD version `api_version` names (group/version)."""
    version = api_version.rpartition("/")[2]
    for v in (crd.get("spec") or {}).get("versions") or []:
        if v.get("name") == version:
            return ((v.get("schema") or {}).get("openAPIV3Schema")) or None
    return None


def check(schema: dict[str, Any], obj: dict[str, Any]) -> list[Cause]:
    """Every cause `obj` breaks (the apiserver reports them all); metadata is the
    apiserver's own business, not the schema's."""
    causes: list[Cause] = []
    body = {k: v for k, v in obj.items() if k != "metadata"}
    props = schema.get("properties") or {}
    for key, value in body.items():
        if key in props:
            _walk(props[key], value, key, causes)
    for key in schema.get("required") or ():
        if key != "metadata" and body.get(key) is None:
            causes.append(("FieldValueRequired", key, "Required value"))
    return causes


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _shown(value: Any) -> str:
    # Go's %#v-ish rendering in field errors: strings quoted, numbers bare
    return json.dumps(value) if isinstance(value, str) else str(value)


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    # Go's RE2 `$` matches only at the very end; Python's also before a final newline
    if text.endswith("$") and not text.endswith("\\$"):
        text = text[:-1] + r"\Z"
    return re.compile(text)


def _type_ok(want: str, value: Any, schema: dict[str, Any]) -> bool:
    got = _type_name(value)
    if schema.get("x-kubernetes-int-or-string"):
        return got in ("integer", "string")
    return got == want or (want == "number" and got == "integer")


def _walk(schema: dict[str, Any], value: Any, path: str, causes: list[Cause]) -> None:
    if value is None:
        # the apiserver drops a null where the schema does not allow one (before validating)
        return
    want = schema.get("type")
    if want and not _type_ok(want, value, schema):
        got = _type_name(value)
        causes.append(("FieldValueTypeInvalid", path,
                       f'Invalid value: "{got}": {path} in body must be of type {want}: "{got}"'))
        return
    enum = schema.get("enum")
    if enum is not None and value not in enum:
        supported = ", ".join(json.dumps(e) if isinstance(e, str) else json.dumps(json.dumps(e)) for e in enum)
        causes.append(("FieldValueNotSupported", path,
                       f"Unsupported value: {_shown(value)}: supported values: {supported}"))
    if isinstance(value, str):
        _string(schema, value, path, causes)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            causes.append(("FieldValueInvalid", path, f"Invalid value: {value}: {path} in body should be "
                           f"greater than or equal to {schema['minimum']}"))
        if "maximum" in schema and value > schema["maximum"]:
            causes.append(("FieldValueInvalid", path, f"Invalid value: {value}: {path} in body should be "
                           f"less than or equal to {schema['maximum']}"))
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            causes.append(("FieldValueTooMany", path,
                           f"Too many: {len(value)}: must have at most {schema['maxItems']} items"))
        if "minItems" in schema and len(value) < schema["minItems"]:
            causes.append(("FieldValueInvalid", path, f"Invalid value: {len(value)}: {path} in body should "
                           f"have at least {schema['minItems']} items"))
        items = schema.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                _walk(items, item, f"{path}[{i}]", causes)
    elif isinstance(value, dict):
        _object(schema, value, path, causes)


def _string(schema: dict[str, Any], value: str, path: str, causes: list[Cause]) -> None:
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        causes.append(("FieldValueTooLong", path, f"Too long: may not be longer than {schema['maxLength']}"))
    if "minLength" in schema and len(value) < schema["minLength"]:
        causes.append(("FieldValueInvalid", path, f"Invalid value: {_shown(value)}: {path} in body should be at "
                       f"least {schema['minLength']} chars long"))
    if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        causes.append(("FieldValueInvalid", path, f"Invalid value: {_shown(value)}: {path} in body should "
                       f"match '{schema['pattern']}'"))
    if schema.get("format") == "date-time" and not _date_time(value):
        causes.append(("FieldValueInvalid", path, f"Invalid value: {_shown(value)}: {path} in body must be of "
                       f"type date-time: {_shown(value)}"))


def _date_time(text: str) -> bool:
    if not _DATE_TIME.match(text):
        return False
    try:
        datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False  # 2026-02-30T00:00:00Z has the shape but is no date
    return True


def _object(schema: dict[str, Any], value: dict[str, Any], path: str, causes: list[Cause]) -> None:
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        if key in props:
            _walk(props[key], item, f"{path}.{key}", causes)
        elif isinstance(extra, dict):
            _walk(extra, item, f"{path}[{key}]", causes)
    for key in schema.get("required") or ():
        if value.get(key) is None:
            causes.append(("FieldValueRequired", f"{path}.{key}", "Required value"))
