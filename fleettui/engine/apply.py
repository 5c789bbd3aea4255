"""Applying placements to member clusters and deleting what is no longer placed.

Server-side apply with field manager `fleettui` (force: we own these fields, as
KubeVela's dispatcher does). One cluster's failure is that cluster's result,
never an exception out of here; what was applied before a failure is reported.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fleettui.engine.policies import shared
from fleettui.engine.policies.resource_rules import ResourcePolicies, UpdateStrategy, field_at
from fleettui.engine.render import FIELD_MANAGER, LABEL_NAME, LABEL_NAMESPACE, Manifest
from fleettui.kube import ClusterClient, errors

# Errors worth retrying later (the cluster may come back); anything else is final.
TRANSIENT = (errors.Unreachable, errors.ServerError, errors.TooManyRequests, errors.ConfigurationError)


@dataclass
class ClusterResult:
    cluster: str
    applied: list[Manifest] = field(default_factory=list)
    error: str | None = None
    transient: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


def describe(exc: BaseException, manifest: Manifest | None = None) -> str:
    """An error sentence naming the object and, for a 422, the fields the cluster refused."""
    what = ""
    if manifest is not None:
        ns, name = manifest.key[2], manifest.key[3]
        what = f"{manifest.key[1]} {ns + '/' if ns else ''}{name}: "
    if isinstance(exc, errors.KubeError):
        causes = "; ".join(f"{c.get('field', '?')}: {c.get('message', c.get('reason', ''))}" for c in exc.causes)
        base = exc.message + (f" ({exc.status} {exc.reason})" if exc.status else "")
        return what + base + (f" [fields: {causes}]" if causes else "")
    return what + str(exc)


class NotOurs(Exception):
    """The object exists in the cluster and belongs to something else (KubeVela refuses
    to take over a resource it did not create, unless told to; so do we)."""


async def _check_owner(client: ClusterClient, m: Manifest, app_namespace: str, app: str) -> None:
    api_version, kind, ns, name = m.key
    res = await client.resource(api_version, kind)
    live = await client.get(res, name, namespace=ns or None)
    if live is None or owned_by(live, app_namespace, app):
        return
    labels = (live.get("metadata") or {}).get("labels") or {}
    owner = labels.get(LABEL_NAME)
    whose = f"application {labels.get(LABEL_NAMESPACE, '?')}/{owner}" if owner else "no application"
    raise NotOurs(f"already exists and is managed by {whose}; fleettui does not take over objects it did "
                  "not create (delete it or rename yours)")


async def _update(client: ClusterClient, m: Manifest, strategy: UpdateStrategy) -> None:
    """A resource-update rule's way: delete and create when a recreate field differs from
    the live object; PUT the whole object for `op: replace`; else server-side apply."""
    api_version, kind, ns, name = m.key
    res = await client.resource(api_version, kind)
    live = await client.get(res, name, namespace=ns or None)
    if live is not None and any(field_at(m.object, f) != field_at(live, f) for f in strategy.recreate_fields):
        await client.delete(res, name, namespace=ns or None, propagation="Foreground", grace_period_seconds=0)
        live = None
    if live is not None and strategy.op == "replace":
        body = copy.deepcopy(m.object)
        body["metadata"]["resourceVersion"] = (live.get("metadata") or {}).get("resourceVersion")
        await client.replace(res, body, namespace=ns or None, field_manager=FIELD_MANAGER)
        return
    await client.apply(m.object, field_manager=FIELD_MANAGER, force=True)


async def _share(client: ClusterClient, m: Manifest, app_namespace: str, app: str) -> None:
    """A shared-resource object: created (or updated, while we own it) with us on its
    shared-by list; one another application owns is only joined — our name added to the
    list, its content left to its owner. One it does not mark as shared is refused."""
    api_version, kind, ns, name = m.key
    res = await client.resource(api_version, kind)
    live = await client.get(res, name, namespace=ns or None)
    me = shared.app_key(app_namespace, app)
    current = shared.sharers(live)
    if live is not None and not owned_by(live, app_namespace, app):
        if not current:
            labels = (live.get("metadata") or {}).get("labels") or {}
            owner = labels.get(LABEL_NAME)
            whose = f"application {labels.get(LABEL_NAMESPACE, '?')}/{owner}" if owner else "no application"
            raise NotOurs(f"already exists, is managed by {whose} and is not shared (no {shared.SHARED_BY} "
                          "annotation): fleettui shares only what its owner created as shared")
        if me not in current:
            await client.patch(res, name, {"metadata": {"annotations": {
                shared.SHARED_BY: shared.add_sharer(current, me)}}}, namespace=ns or None, patch_type="merge")
        return
    obj = copy.deepcopy(m.object)
    obj.setdefault("metadata", {}).setdefault("annotations", {})[shared.SHARED_BY] = shared.add_sharer(current, me)
    await client.apply(obj, field_manager=FIELD_MANAGER, force=True)


async def _read_only(client: ClusterClient, m: Manifest) -> None:
    """A read-only object is never written: it has to be there already."""
    api_version, kind, ns, name = m.key
    res = await client.resource(api_version, kind)
    if await client.get(res, name, namespace=ns or None) is None:
        raise NotOurs("not found; a read-only policy selects it, so fleettui reads it and never creates it")


_KNOWN_NAMESPACES: weakref.WeakKeyDictionary[ClusterClient, set[str]] = weakref.WeakKeyDictionary()


async def _ensure_namespaces(client: ClusterClient, names: set[str]) -> None:
    """Create the target namespaces that are missing (once per client), so a topology
    `namespace` or a fresh cluster just works; the objects' applies do not fail first.
    (Namespaces made this way are not labelled ours and never garbage collected.)"""
    known = _KNOWN_NAMESPACES.setdefault(client, set())
    todo = sorted(names - known)
    if not todo:
        return
    res = await client.resource("v1", "Namespace")
    for name in todo:
        if await client.get(res, name) is None:
            await _ensure_namespace(client, name)
        known.add(name)


async def _ensure_namespace(client: ClusterClient, name: str) -> None:
    res = await client.resource("v1", "Namespace")
    try:
        await client.create(res, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    except errors.AlreadyExists:
        pass


async def apply_manifests(client: ClusterClient, manifests: list[Manifest], *, parallelism: int = 5,
                          app_namespace: str = "", app: str = "",
                          known: frozenset[tuple[str, str, str, str]] = frozenset(),
                          rules: ResourcePolicies | None = None) -> ClusterResult:
    """Apply in order of kind (Namespaces and CRDs first), `parallelism` objects at a time.
    Objects not in `known` (applied by us before) are checked for an owner first, unless a
    take-over rule says to take them; read-only ones are only read, shared ones another
    application manages are left to it."""
    rules = rules or ResourcePolicies()
    result = ClusterResult(client.name)
    try:
        await _ensure_namespaces(client, {m.key[2] for m in manifests if m.key[2]}
                                 - {m.key[3] for m in manifests if m.object.get("kind") == "Namespace"})
    except errors.KubeError as exc:
        result.error, result.transient = describe(exc), isinstance(exc, TRANSIENT)
        return result
    first = [m for m in manifests if m.object.get("kind") in ("Namespace", "CustomResourceDefinition")]
    rest = [m for m in manifests if m not in first]
    sem = asyncio.Semaphore(max(1, parallelism))

    async def one(m: Manifest) -> None:
        async with sem:
            if result.error and result.transient:
                return  # the cluster is down: do not queue more requests at it
            try:
                if rules.is_read_only(m):
                    await _read_only(client, m)
                    result.applied.append(m)
                    return
                if app and rules.is_shared(m):
                    await _share(client, m, app_namespace, app)
                    result.applied.append(m)
                    return
                if app and m.key not in known and not rules.takes_over(m):
                    await _check_owner(client, m, app_namespace, app)
                try:
                    strategy = rules.update_strategy(m)
                    if strategy.op != "patch" or strategy.recreate_fields:
                        await _update(client, m, strategy)
                    else:
                        await client.apply(m.object, field_manager=FIELD_MANAGER, force=True)
                except errors.NotFound as exc:
                    if exc.details.get("kind") != "namespaces" or not m.key[2]:
                        raise
                    # deleted since we last looked: create it and try again
                    await _ensure_namespace(client, m.key[2])
                    await client.apply(m.object, field_manager=FIELD_MANAGER, force=True)
                result.applied.append(m)
            except (errors.KubeError, ValueError, NotOurs) as exc:
                if result.error is None or (result.transient and not isinstance(exc, TRANSIENT)):
                    result.error = describe(exc, m)
                    result.transient = isinstance(exc, TRANSIENT)

    for batch in (first, rest):
        await asyncio.gather(*(one(m) for m in batch))
        if result.error:
            break
    return result


def owned_by(obj: dict[str, Any] | None, namespace: str, app: str) -> bool:
    labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
    return labels.get(LABEL_NAME) == app and labels.get(LABEL_NAMESPACE, namespace) == namespace


async def delete_owned(client: ClusterClient, api_version: str, kind: str, namespace: str, name: str, *,
                       app_namespace: str, app: str,
                       keep: Callable[[dict[str, Any]], bool] | None = None) -> bool:
    """Delete an object only if it still carries our ownership labels (someone may have
    taken it over); absent is fine. False: `keep` (a garbage-collect rule that reads the
    live object's labels) kept it. A shared object others still share is not deleted: we
    leave its shared-by list and, owning it, hand it to the next sharer (KubeVela's
    shared-resource). The one place objects are deleted, so every path (garbage
    collection, application delete) honours that. Raises KubeError on failure."""
    try:
        res = await client.resource(api_version, kind)
    except errors.UnknownResource:
        return True
    live = await client.get(res, name, namespace=namespace or None)
    if live is None:
        return True
    ours = owned_by(live, app_namespace, app)
    if ours and keep is not None and keep(live):
        return False
    me, current = shared.app_key(app_namespace, app), shared.sharers(live)
    rest = shared.remove_sharer(current, me)
    if me in current and rest:
        # others still share it: take our name off; the owner hands the object to the next in line
        patch: dict[str, Any] = {"metadata": {"annotations": {shared.SHARED_BY: shared.SEP.join(rest)}}}
        if ours:
            heir_ns, _, heir = rest[0].partition("/")
            patch["metadata"]["labels"] = {LABEL_NAME: heir, LABEL_NAMESPACE: heir_ns}
        await client.patch(res, name, patch, namespace=namespace or None, patch_type="merge")
        return True
    if not ours:
        return True
    await client.delete(res, name, namespace=namespace or None, propagation="Background")
    return True
