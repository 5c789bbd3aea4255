"""KubeVela's `app.oam.dev/shared-by` annotation: the applications sharing one object, in
the order they came, comma-separated `namespace/name` (KubeVela's `GetAppKey`).

The first application to create a shared object owns it (its `app.oam.dev/name` labels)
and alone writes it; each later one only adds itself to the annotation. When an
application lets go of the object (deleted, or its new revision no longer has it), it
takes itself off the list; the owner hands ownership to the next sharer in line, and
only the last sharer deletes the object. Pure functions; apply.py does the I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SHARED_BY = "app.oam.dev/shared-by"
SEP = ","


def app_key(namespace: str, name: str) -> str:
    return f"{namespace}/{name}"


def sharers(obj: Mapping[str, Any] | None) -> list[str]:
    """The sharers an object's annotation names, in order (none: not sharable)."""
    value = (((obj or {}).get("metadata") or {}).get("annotations") or {}).get(SHARED_BY) or ""
    return [s for s in value.split(SEP) if s]


def add_sharer(current: list[str], key: str) -> str:
    return SEP.join(current if key in current else [*current, key])


def remove_sharer(current: list[str], key: str) -> list[str]:
    return [s for s in current if s != key]
