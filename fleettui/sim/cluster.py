"""One simulated cluster's object storage, with the metadata semantics of a kube-apiserver.

Everything that changes a cluster goes through here: the HTTP layer, the seed and the
simulated controllers. So uid, resourceVersion, generation, timestamps, finalizers,
namespace termination and owner-reference garbage collection behave the same whichever
door a change came in by.

Stored objects are plain dicts and are *replaced*, never mutated, on every change: a
reader may hold on to one (a watch history entry, a list being serialised) without
copying it. Callers must treat what `get`/`list` return as read-only.
"""

from __future__ import annotations

import calendar
import logging
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from fleettui.sim import crd_schema, defaults, errors, fields, validation
from fleettui.sim.clock import VirtualClock
from fleettui.sim.csr import approval_status
from fleettui.sim.defaults import clone
from fleettui.sim.errors import ApiError as ApiError  # re-exported for callers
from fleettui.sim.events import EventRecorder
from fleettui.sim.resources import CRD_KEY, ResourceType, builtin_table, from_crd

log = logging.getLogger(__name__)

Callback = Callable[[str, str, dict[str, Any]], None]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery's: no vowels, no look-alikes
_FOREGROUND = "foregroundDeletion"


class SimCluster:
    """Objects of one cluster keyed `resource -> namespace -> name` ('' for cluster-scoped)."""

    def __init__(
        self,
        name: str,
        clock: VirtualClock,
        *,
        history: int = 500,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self.clock = clock
        self.version = "v1.31.4"  # what /version reports (gitVersion); the Simulator sets it per cluster
        self.types: dict[str, ResourceType] = builtin_table()
        self._objects: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        self._rv = 0
        self._subscribers: list[Callback] = []
        # Watch history: (rv, event type, resource, object). Watches resuming from a
        # version older than the window get 410, like a compacted etcd.
        self.history: deque[tuple[int, str, str, dict[str, Any]]] = deque(maxlen=history)
        self.compacted_rv = 0
        self._by_uid: dict[str, tuple[str, str, str]] = {}
        self._dependents: dict[str, set[tuple[str, str, str]]] = {}
        self._rng = rng or random.Random()
        self.events = EventRecorder(self)
        # Virtual time the seed finished, if seeded: its objects are backdated, and the
        # controllers backdate the children they first make for them (runtime.initial_child_time).
        self.seeded_at: float | None = None

    # ----------------------------------------------------------------- read

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def resource_type(self, resource: str) -> ResourceType:
        rt = self.types.get(resource)
        if rt is None:
            raise errors.resource_not_found()
        return rt

    def get(self, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self._objects.get(resource, {}).get(namespace or "", {}).get(name)

    def list(self, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return list(self.iter(resource, namespace))

    def iter(self, resource: str, namespace: str | None = None) -> Iterator[dict[str, Any]]:
        by_ns = self._objects.get(resource)
        if not by_ns:
            return
        if namespace:
            yield from by_ns.get(namespace, {}).values()
        else:
            for objs in by_ns.values():
                yield from objs.values()

    def count(self) -> int:
        return sum(len(objs) for by_ns in self._objects.values() for objs in by_ns.values())

    # ------------------------------------------------------------- watchers

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """callback(event_type, resource, obj) after every change; returns unsubscribe."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            try:
                self._subscribers.remove(callback)
            except ValueError:
                pass

        return unsubscribe

    def _emit(self, event: str, resource: str, obj: dict[str, Any]) -> None:
        rv = int(obj["metadata"]["resourceVersion"])
        if len(self.history) == self.history.maxlen:
            self.compacted_rv = self.history[0][0]
        self.history.append((rv, event, resource, obj))
        for cb in list(self._subscribers):
            try:
                cb(event, resource, obj)
            except Exception:  # one broken watcher must not break the cluster
                log.exception("subscriber failed on %s %s", event, resource)

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    # --------------------------------------------------------------- create

    def create(
        self,
        resource: str,
        obj: dict[str, Any],
        *,
        field_manager: str | None = None,
        managed_fields: list[dict[str, Any]] | None = None,
        dry_run: bool = False,
        validate: bool = False,
        creation_timestamp: str | None = None,
    ) -> dict[str, Any]:
        """Create with full server semantics; emits ADDED. Raises ApiError.

        `creation_timestamp`: for trusted internals only (the seed and the controllers'
        first children of seeded objects), so a seeded fleet looks as old as a real one.

        `dry_run`: every check and default, nothing stored (as `?dryRun=All`).
        `validate`: the per-kind checks of validation.py; the HTTP layer asks for them,
        the seed and the controllers (trusted internals) do not.

        As the apiserver does, status sent with a create is dropped for kinds with a
        status subresource (nodes excepted): set it afterwards with `set_status`.
        """
        rt = self.resource_type(resource)
        obj = self._check_body(rt, obj)
        meta = obj["metadata"]
        ns = self._namespace_of(rt, meta)
        if rt.namespaced:
            self._require_namespace(ns)
        name = meta.get("name") or ""
        if not name:
            prefix = meta.get("generateName") or ""
            if not prefix:
                raise errors.invalid(rt.kind, rt.group, "", [
                    ("FieldValueRequired", "metadata.name", "Required value: name or generateName is required")])
            for _ in range(8):
                name = prefix + "".join(self._rng.choice(_GENERATE_ALPHABET) for _ in range(5))
                if self.get(resource, ns, name) is None:
                    break
            meta["name"] = name
        self._validate_name(rt, name)
        if self.get(resource, ns, name) is not None:
            raise errors.already_exists(rt.plural, rt.group, name)
        defaults.prepare_create(rt, obj, self.clock.iso())
        if validate:
            validation.validate(rt, obj, self._schema(rt, obj))
        if resource == "services":
            defaults.default_service(obj, None, defaults.ServiceAllocations(self.list(resource)), self._rng)
        for k in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            meta.pop(k, None)
        meta["uid"] = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        meta["creationTimestamp"] = creation_timestamp or self.clock.iso()
        if rt.generation:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        if managed_fields is not None:
            meta["managedFields"] = managed_fields
        elif field_manager is not None:
            fields.record_update(obj, None, field_manager, self.clock.iso(), rt.api_version)
        if dry_run:
            return obj
        meta["resourceVersion"] = self._next_rv()
        self._store(resource, ns, name, obj)
        self._index_owners(resource, ns, name, obj)
        if resource == CRD_KEY:
            self._serve_crd(obj)
        self._emit("ADDED", resource, obj)
        return obj

    # --------------------------------------------------------------- update

    def update(
        self,
        resource: str,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
        field_manager: str | None = None,
        managed_fields: list[dict[str, Any]] | None = None,
        dry_run: bool = False,
        validate: bool = False,
    ) -> dict[str, Any]:
        """Replace an object (PUT semantics); emits MODIFIED unless nothing changed.

        A non-empty metadata.resourceVersion must match (409 Conflict otherwise). With a
        status subresource, the main resource ignores status and `subresource="status"`
        changes only status.
        """
        rt = self.resource_type(resource)
        obj = self._check_body(rt, obj)
        meta = obj["metadata"]
        ns = self._namespace_of(rt, meta)
        name = meta.get("name") or ""
        if not name:
            raise errors.bad_request("name is required in the object's metadata")
        old = self.get(resource, ns, name)
        if old is None:
            raise errors.not_found(rt.plural, rt.group, name)
        old_meta = old["metadata"]
        rv = meta.get("resourceVersion")
        if rv and rv != old_meta["resourceVersion"]:
            raise errors.conflict(rt.plural, rt.group, name, errors.STALE)
        if meta.get("uid") and meta["uid"] != old_meta["uid"]:
            raise errors.conflict(
                rt.plural, rt.group, name,
                f"Precondition failed: UID in precondition: {meta['uid']}, UID in object meta: {old_meta['uid']}")
        if subresource == "status":
            new = dict(old)
            new["metadata"] = dict(old_meta)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
        elif subresource == "approval" and rt.approval:
            new = dict(old)
            new["metadata"] = dict(old_meta)
            new["status"] = approval_status(old, obj, rt, name)
        elif subresource is None:
            new = obj
            if rt.status:
                if "status" in old:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
            for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
                if k in old_meta:
                    meta[k] = old_meta[k]
                else:
                    meta.pop(k, None)
            if old_meta.get("deletionTimestamp"):
                added = set(meta.get("finalizers") or ()) - set(old_meta.get("finalizers") or ())
                if added:
                    raise errors.invalid(rt.kind, rt.group, name, [(
                        "FieldValueForbidden", "metadata.finalizers",
                        f"Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers {sorted(added)!r}")])
            if rt.key == "namespaces":
                new["spec"] = old.get("spec", new.get("spec"))
            if validate:
                validation.validate(rt, new, self._schema(rt, new))
            if resource == "services":
                others = defaults.ServiceAllocations(self.list(resource), exclude=(ns, name))
                defaults.default_service(new, old, others, self._rng)
            if rt.generation and _spec_of(new) != _spec_of(old):
                meta["generation"] = old_meta.get("generation", 1) + 1
        else:
            raise errors.resource_not_found()
        meta = new["metadata"]
        if managed_fields is not None:
            meta["managedFields"] = managed_fields
        elif field_manager is not None:
            # the approval subresource writes only status, as the status subresource does
            fields.record_update(new, old, field_manager, self.clock.iso(), rt.api_version,
                                 subresource="status" if subresource == "approval" else subresource)
        else:
            if "managedFields" in old_meta:
                meta["managedFields"] = old_meta["managedFields"]
            else:
                meta.pop("managedFields", None)
        meta["resourceVersion"] = old_meta["resourceVersion"]
        if new == old:
            return old  # a no-op write does not bump resourceVersion, as in a real server
        if dry_run:
            return new
        return self._replace(rt, resource, ns, name, new)

    def _replace(
        self, rt: ResourceType, resource: str, ns: str, name: str, new: dict[str, Any]
    ) -> dict[str, Any]:
        old = self.get(resource, ns, name)
        new["metadata"]["resourceVersion"] = self._next_rv()
        self._store(resource, ns, name, new)
        if old is not None:
            self._unindex_owners(resource, ns, name, old)
        self._index_owners(resource, ns, name, new)
        if resource == CRD_KEY:
            self._serve_crd(new)
        self._emit("MODIFIED", resource, new)
        meta = new["metadata"]
        # A gracefully deleted pod waits for its kubelet (deletionGracePeriodSeconds > 0).
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and not meta.get("deletionGracePeriodSeconds"):
            if resource == "namespaces":
                self._finish_namespace(new)  # goes once empty (spec.finalizers: kubernetes)
            else:
                self._remove(resource, ns, name)
        return new

    def set_status(
        self, resource: str, namespace: str | None, name: str, status: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Write status only (what a controller does); no-op without a rv bump when equal."""
        old = self.get(resource, namespace, name)
        if old is None:
            return None
        if old.get("status") == status:
            return old
        new = dict(old)
        new["metadata"] = dict(old["metadata"])
        new["status"] = clone(status)
        return self._replace(self.resource_type(resource), resource, namespace or "", name, new)

    def patch_metadata(
        self, resource: str, namespace: str | None, name: str, **changes: Any
    ) -> dict[str, Any] | None:
        """Set metadata fields (e.g. finalizers=[], labels={...}) on the live object."""
        old = self.get(resource, namespace, name)
        if old is None:
            return None
        new = dict(old)
        new["metadata"] = {**old["metadata"], **clone(changes)}
        if new == old:
            return old
        return self._replace(self.resource_type(resource), resource, namespace or "", name, new)

    # --------------------------------------------------------------- delete

    def delete(
        self,
        resource: str,
        namespace: str | None,
        name: str,
        *,
        propagation: str = "Background",
        preconditions: dict[str, Any] | None = None,
        dry_run: bool = False,
        grace_period_seconds: int | None = None,
    ) -> dict[str, Any] | None:
        """Delete, honouring finalizers and propagation. Returns the object as the
        server returns it (with deletionTimestamp if it lingers), or None if absent.
        `dry_run` checks preconditions and returns the object untouched.

        `grace_period_seconds` (pods): a positive period deletes gracefully, as the
        apiserver does for a scheduled, unfinished pod: deletionTimestamp = now + period,
        the pod stays (Terminating) until its node's kubelet removes it when the period
        is over; a later, shorter period brings that forward. None or 0 deletes at once
        (None is the Python API's default; the HTTP layer passes the pod's
        terminationGracePeriodSeconds when the client gives none)."""
        rt = self.resource_type(resource)
        ns = namespace or ""
        obj = self.get(resource, ns, name)
        if obj is None:
            return None
        meta = obj["metadata"]
        if preconditions:
            if preconditions.get("uid") and preconditions["uid"] != meta["uid"]:
                raise errors.conflict(rt.plural, rt.group, name,
                                      f"Precondition failed: UID in precondition: {preconditions['uid']}, UID in object meta: {meta['uid']}")
            if preconditions.get("resourceVersion") and preconditions["resourceVersion"] != meta["resourceVersion"]:
                raise errors.conflict(rt.plural, rt.group, name,
                                      f"Precondition failed: ResourceVersion in precondition: {preconditions['resourceVersion']}, ResourceVersion in meta: {meta['resourceVersion']}")
        if propagation not in ("Background", "Foreground", "Orphan"):
            raise errors.bad_request(f"unsupported propagation policy {propagation!r}")
        if dry_run:
            return obj
        if resource == "namespaces":
            return self._terminate_namespace(obj)
        if resource == "pods" and grace_period_seconds and _graceful(obj):
            return self._delete_gracefully(rt, obj, max(int(grace_period_seconds), 1))
        if propagation == "Orphan":
            self._orphan_dependents(meta["uid"])
        finalizers = list(meta.get("finalizers") or ())
        has_children = bool(self._dependents.get(meta["uid"]))
        if propagation == "Foreground" and has_children and _FOREGROUND not in finalizers:
            finalizers.append(_FOREGROUND)
        if finalizers:
            if (not meta.get("deletionTimestamp") or finalizers != meta.get("finalizers")
                    or meta.get("deletionGracePeriodSeconds")):
                new = dict(obj)
                new["metadata"] = {**meta, "finalizers": finalizers,
                                   "deletionTimestamp": meta.get("deletionTimestamp") or self.clock.iso(),
                                   "deletionGracePeriodSeconds": 0}
                obj = self._replace(rt, resource, ns, name, new)
            if _FOREGROUND in finalizers:
                for dep in list(self._dependents.get(meta["uid"], ())):
                    self.delete(dep[0], dep[1], dep[2], propagation="Foreground")
                self._finish_foreground(meta["uid"])
                obj = self.get(resource, ns, name) or obj
            return obj
        return self._remove(resource, ns, name)

    def _delete_gracefully(self, rt: ResourceType, pod: dict[str, Any], grace: int) -> dict[str, Any]:
        meta = pod["metadata"]
        deadline = self.clock.now() + grace
        current = _parse_time(meta.get("deletionTimestamp"))
        if current is not None and current <= deadline:
            return pod  # already going sooner: a longer period does not postpone it
        new = dict(pod)
        new["metadata"] = {**meta, "deletionTimestamp": self.clock.iso(deadline),
                           "deletionGracePeriodSeconds": grace}
        return self._replace(rt, "pods", meta.get("namespace") or "", meta["name"], new)

    def _remove(self, resource: str, ns: str, name: str) -> dict[str, Any]:
        by_ns = self._objects.get(resource, {})
        old = by_ns.get(ns, {}).pop(name)
        if not by_ns.get(ns):
            by_ns.pop(ns, None)
        self._unindex_owners(resource, ns, name, old)
        gone = dict(old)
        gone["metadata"] = {**old["metadata"], "resourceVersion": self._next_rv()}
        uid = gone["metadata"]["uid"]
        self._by_uid.pop(uid, None)
        self._emit("DELETED", resource, gone)
        if resource == CRD_KEY:
            self._unserve_crd(old)
        # Garbage collection: dependents whose every owner is now gone are deleted.
        for dep in list(self._dependents.pop(uid, ())):
            child = self.get(*dep)
            if child is None:
                continue
            owners = [r.get("uid") for r in child["metadata"].get("ownerReferences") or ()]
            if not any(o in self._by_uid for o in owners):
                self.delete(dep[0], dep[1], dep[2], propagation="Background")
        for ref in old["metadata"].get("ownerReferences") or ():
            self._finish_foreground(ref.get("uid"))
        if ns:
            nsobj = self.get("namespaces", None, ns)
            if nsobj is not None and nsobj["metadata"].get("deletionTimestamp"):
                self._finish_namespace(nsobj)
        return gone

    def _orphan_dependents(self, uid: str) -> None:
        for dep in list(self._dependents.get(uid, ())):
            child = self.get(*dep)
            if child is None:
                continue
            refs = [r for r in child["metadata"].get("ownerReferences") or () if r.get("uid") != uid]
            new = dict(child)
            new["metadata"] = dict(child["metadata"])
            if refs:
                new["metadata"]["ownerReferences"] = refs
            else:
                new["metadata"].pop("ownerReferences", None)
            self._replace(self.types[dep[0]], dep[0], dep[1], dep[2], new)

    def _finish_foreground(self, owner_uid: str | None) -> None:
        """Foreground deletion: drop the owner's finalizer once its dependents are gone."""
        where = self._by_uid.get(owner_uid or "")
        if where is None or self._dependents.get(owner_uid or ""):
            return
        owner = self.get(*where)
        if owner is None or _FOREGROUND not in (owner["metadata"].get("finalizers") or ()):
            return
        self.patch_metadata(*where, finalizers=[f for f in owner["metadata"]["finalizers"] if f != _FOREGROUND])

    # ------------------------------------------------------------ namespaces

    def _terminate_namespace(self, nsobj: dict[str, Any]) -> dict[str, Any]:
        name = nsobj["metadata"]["name"]
        if not nsobj["metadata"].get("deletionTimestamp"):
            new = dict(nsobj)
            new["metadata"] = {**nsobj["metadata"], "deletionTimestamp": self.clock.iso()}
            new["status"] = {"phase": "Terminating"}
            nsobj = self._replace(self.types["namespaces"], "namespaces", "", name, new)
        for resource, rt in list(self.types.items()):
            if rt.namespaced:
                for obj in list(self._objects.get(resource, {}).get(name, {}).values()):
                    if not obj["metadata"].get("deletionTimestamp"):
                        self.delete(resource, name, obj["metadata"]["name"])
        self._finish_namespace(nsobj)
        return self.get("namespaces", None, name) or nsobj

    def _finish_namespace(self, nsobj: dict[str, Any]) -> None:
        name = nsobj["metadata"]["name"]
        if any(self._objects.get(r, {}).get(name) for r, rt in self.types.items() if rt.namespaced):
            return
        if self.get("namespaces", None, name) is not None and not nsobj["metadata"].get("finalizers"):
            self._remove("namespaces", "", name)

    def _require_namespace(self, ns: str) -> None:
        nsobj = self.get("namespaces", None, ns)
        if nsobj is None:
            raise errors.not_found("namespaces", "", ns)
        if nsobj["metadata"].get("deletionTimestamp"):
            raise errors.forbidden(
                f"unable to create new content in namespace {ns} because it is being terminated")

    # ---------------------------------------------------------------- events

    def record_event(
        self,
        involved: dict[str, Any],
        reason: str,
        message: str,
        *,
        type: str = "Warning",
        component: str = "",
    ) -> None:
        """A core/v1 Event about `involved`; repeats bump count and lastTimestamp."""
        self.events.record(involved, reason, message, type=type, component=component)

    # --------------------------------------------------------------- helpers

    def _check_body(self, rt: ResourceType, obj: Any) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise errors.bad_request("the body of the request was not a JSON object")
        obj = clone(obj)
        meta = obj.get("metadata")
        if meta is None:
            meta = obj["metadata"] = {}
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        kind = obj.get("kind")
        if kind and kind != rt.kind:
            raise errors.bad_request(
                f"the kind of the object ({kind}) does not match the resource ({rt.plural})")
        api_version = obj.get("apiVersion")
        if api_version:
            group, _, version = str(api_version).rpartition("/")
            if group != rt.group or version not in rt.served_versions:
                raise errors.bad_request(
                    f"the API version in the data ({api_version}) does not match the expected API version ({rt.api_version})")
        else:
            obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
        for key in ("labels", "annotations"):
            v = meta.get(key)
            if v is not None and (not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values())):
                raise errors.bad_request(f"metadata.{key} must be a map of strings")
        return obj

    def _namespace_of(self, rt: ResourceType, meta: dict[str, Any]) -> str:
        if not rt.namespaced:
            meta.pop("namespace", None)
            return ""
        ns = meta.get("namespace") or ""
        if not ns:
            raise errors.bad_request("the object has no metadata.namespace (a namespaced resource)")
        return ns

    def _validate_name(self, rt: ResourceType, name: str) -> None:
        if rt.key == "namespaces":
            ok, what, regex, limit = _LABEL.match(name), "RFC 1123 label", "[a-z0-9]([-a-z0-9]*[a-z0-9])?", 63
        else:
            ok = _SUBDOMAIN.match(name)
            what, limit = "RFC 1123 subdomain", 253
            regex = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
        if not ok or len(name) > limit:
            raise errors.invalid(rt.kind, rt.group, name, [(
                "FieldValueInvalid", "metadata.name",
                f'Invalid value: "{name}": a lowercase {what} must consist of lower case alphanumeric '
                f"characters, '-' or '.', and must start and end with an alphanumeric character "
                f"(regex used for validation is '{regex}')")])

    def _store(self, resource: str, ns: str, name: str, obj: dict[str, Any]) -> None:
        self._objects.setdefault(resource, {}).setdefault(ns, {})[name] = obj
        self._by_uid[obj["metadata"]["uid"]] = (resource, ns, name)

    def _index_owners(self, resource: str, ns: str, name: str, obj: dict[str, Any]) -> None:
        for ref in obj["metadata"].get("ownerReferences") or ():
            uid = ref.get("uid")
            if uid:
                self._dependents.setdefault(uid, set()).add((resource, ns, name))

    def _unindex_owners(self, resource: str, ns: str, name: str, obj: dict[str, Any]) -> None:
        for ref in obj["metadata"].get("ownerReferences") or ():
            deps = self._dependents.get(ref.get("uid") or "")
            if deps is not None:
                deps.discard((resource, ns, name))
                if not deps:
                    self._dependents.pop(ref["uid"], None)

    # ------------------------------------------------------------------ CRDs

    def _schema(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The openAPIV3Schema a custom resource is checked against (None: a built-in kind)."""
        if rt.group in ("", "apps", "batch") or CRD_KEY not in self.types:
            return None
        crd = self.get(CRD_KEY, None, rt.key)
        return crd_schema.version_schema(crd, str(obj.get("apiVersion") or rt.api_version)) if crd else None

    def _serve_crd(self, crd: dict[str, Any]) -> None:
        for rt in from_crd(crd):
            if rt.key in self.types and self.types[rt.key].group in ("", "apps", "batch"):
                continue  # a CRD cannot shadow a built-in kind
            self.types[rt.key] = rt

    def _unserve_crd(self, crd: dict[str, Any]) -> None:
        for rt in from_crd(crd):
            if self.types.get(rt.key) is None or rt.key not in _crd_keys(self):
                continue
            for obj in list(self.iter(rt.key)):
                m = obj["metadata"]
                if self.get(rt.key, m.get("namespace"), m["name"]) is not None:
                    self._remove(rt.key, m.get("namespace") or "", m["name"])
            self.types.pop(rt.key, None)
            self._objects.pop(rt.key, None)


def _crd_keys(cluster: SimCluster) -> set[str]:
    builtin = builtin_table()
    return {k for k in cluster.types if k not in builtin}


def _spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything that counts as desired state (all but metadata and status)."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _graceful(pod: dict[str, Any]) -> bool:
    """The pod strategy deletes at once what no kubelet runs: unscheduled or finished pods."""
    return bool((pod.get("spec") or {}).get("nodeName")) and (pod.get("status") or {}).get("phase") not in (
        "Succeeded", "Failed")


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return float(calendar.timegm(time.strptime(value, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return None
