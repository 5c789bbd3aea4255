"""Application revisions: every distinct spec is a numbered revision `<app>-v<N>`,
kept so a rollback can re-apply it. A spec equal to an earlier revision reuses
that revision (KubeVela compares spec hashes the same way)."""

from __future__ import annotations

from typing import Any

from fleettui.engine.model import Application
from fleettui.store.apps import AppStore


def revision_name(app: str, number: int) -> str:
    return f"{app}-v{number}"


async def ensure_revision(records: AppStore, app: Application, status: dict[str, Any], *,
                          now: float) -> tuple[dict[str, Any], bool]:
    """The status.latestRevision for the app's current spec; True when it changed
    (a new spec: the workflow starts over)."""
    digest = app.spec_hash()
    latest = status.get("latestRevision") or {}
    if latest.get("revisionHash") == digest:
        return latest, False
    revs = await records.revisions(app.namespace, app.name)
    match = next((r for r in reversed(revs) if r.hash == digest), None)
    if match is None:
        # a controller with a fresh cache must not reuse a number the hub's status already shows
        number = max(revs[-1].revision if revs else 0, int(latest.get("revision") or 0)) + 1
        name = revision_name(app.name, number)
        await records.add_revision(app.namespace, app.name, number, name, digest, app.document, now=now)
    else:
        number, name = match.revision, match.name
    return {"name": name, "revision": number, "revisionHash": digest}, True


async def rollback_target(records: AppStore, namespace: str, app: str, current: int | None,
                          revision: int | str | None) -> dict[str, Any]:
    """The document of the revision to roll back to: the one named, or the latest
    succeeded revision before the current one."""
    revs = await records.revisions(namespace, app)
    if not revs:
        raise LookupError(f"application {namespace}/{app} has no revisions")
    if revision is not None:
        text = str(revision)
        number = int(text.rsplit("-v", 1)[-1]) if text.rsplit("-v", 1)[-1].isdigit() else None
        found = next((r for r in revs if r.name == text or r.revision == number), None)
        if found is None:
            names = ", ".join(r.name for r in revs)
            raise LookupError(f"application {namespace}/{app} has no revision {text} (revisions: {names})")
        return found.document
    earlier = [r for r in revs if current is None or r.revision < current]
    for r in reversed(earlier):
        if r.succeeded:
            return r.document
    raise LookupError(f"application {namespace}/{app} has no succeeded revision before the current one")
