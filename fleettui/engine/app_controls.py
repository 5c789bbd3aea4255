"""What an Application's metadata tells the controller, as KubeVela reads it:

- label `controller.core.oam.dev/pause: "true"` — the controller leaves the application
  alone (no workflow, no state keeping, no garbage collection) until it is removed;
  deleting it still works (an explicit act of the operator, not a reconcile).
- annotation `app.oam.dev/publishVersion` — the application runs a new revision only when
  this value changes; spec edits in between wait for the next publish (KubeVela's
  "version control" mode).
"""

from __future__ import annotations

from typing import Any

PAUSE_LABEL = "controller.core.oam.dev/pause"
PUBLISH_VERSION = "app.oam.dev/publishVersion"


def _meta(doc: dict[str, Any], key: str) -> dict[str, Any]:
    meta = m if isinstance(m := doc.get("metadata"), dict) else {}
    value = meta.get(key)
    return value if isinstance(value, dict) else {}


def paused(doc: dict[str, Any]) -> bool:
    return str(_meta(doc, "labels").get(PAUSE_LABEL, "")).lower() == "true"


def publish_version(doc: dict[str, Any]) -> str | None:
    value = _meta(doc, "annotations").get(PUBLISH_VERSION)
    return str(value) if value not in (None, "") else None


def pinned(doc: dict[str, Any], status: dict[str, Any]) -> bool:
    """The running revision was published under the document's publishVersion: a spec that
    differs from it is an edit waiting for the next publish, not a new revision."""
    version = publish_version(doc)
    latest = status.get("latestRevision") or {}
    return version is not None and latest.get("publishVersion") == version
