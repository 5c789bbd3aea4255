"""The resource catalogue: what each cluster serves, as discovery describes it.

A `ResourceType` is one row of `kubectl api-resources`. Built-in kinds are listed
here; each SimCluster copies the table and adds rows when a CRD is created, so custom
resources are served in that cluster only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
NAMESPACE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ScalePaths:
    """Where a kind keeps what the scale subresource exposes (dotted paths)."""

    spec_replicas: str = "spec.replicas"
    status_replicas: str = "status.replicas"
    label_selector: str | None = "spec.selector"


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    status: bool = False  # has a status subresource: status isolated from the main resource
    scale: ScalePaths | None = None
    generation: bool = False  # metadata.generation tracks spec changes
    keep_status_on_create: bool = False  # nodes: the kubelet registers with status
    versions: tuple[str, ...] = ()  # every served version (CRDs may serve several)
    approval: bool = False  # CSRs: the approval subresource (Approved/Denied conditions only)

    @property
    def key(self) -> str:
        """Storage key, as kubectl spells it: `pods`, `deployments.apps`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def served_versions(self) -> tuple[str, ...]:
        return self.versions or (self.version,)

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"


def _r(group: str, version: str, plural: str, kind: str, namespaced: bool = True, **kw: Any) -> ResourceType:
    kw.setdefault("singular", kind.lower())
    return ResourceType(group, version, plural, kind, namespaced, **kw)


_DEPLOYMENT_SCALE = ScalePaths()

BUILTIN: tuple[ResourceType, ...] = (
    _r("", "v1", "namespaces", "Namespace", False, short_names=("ns",), status=True, verbs=NAMESPACE_VERBS),
    _r("", "v1", "nodes", "Node", False, short_names=("no",), status=True, keep_status_on_create=True),
    _r("", "v1", "pods", "Pod", short_names=("po",), categories=("all",), status=True, generation=True),
    _r("", "v1", "services", "Service", short_names=("svc",), categories=("all",), status=True,
       verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    _r("", "v1", "endpoints", "Endpoints", short_names=("ep",), singular="endpoints"),
    _r("", "v1", "configmaps", "ConfigMap", short_names=("cm",)),
    _r("", "v1", "secrets", "Secret"),
    _r("", "v1", "events", "Event", short_names=("ev",)),
    _r("", "v1", "serviceaccounts", "ServiceAccount", short_names=("sa",)),
    _r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", short_names=("pvc",), status=True),
    _r("", "v1", "persistentvolumes", "PersistentVolume", False, short_names=("pv",), status=True),
    _r("apps", "v1", "deployments", "Deployment", short_names=("deploy",), categories=("all",),
       status=True, scale=_DEPLOYMENT_SCALE, generation=True),
    _r("apps", "v1", "statefulsets", "StatefulSet", short_names=("sts",), categories=("all",),
       status=True, scale=_DEPLOYMENT_SCALE, generation=True),
    _r("apps", "v1", "daemonsets", "DaemonSet", short_names=("ds",), categories=("all",),
       status=True, generation=True),
    _r("apps", "v1", "replicasets", "ReplicaSet", short_names=("rs",), categories=("all",),
       status=True, scale=_DEPLOYMENT_SCALE, generation=True),
    _r("apps", "v1", "controllerrevisions", "ControllerRevision"),
    _r("batch", "v1", "jobs", "Job", categories=("all",), status=True, generation=True),
    _r("batch", "v1", "cronjobs", "CronJob", short_names=("cj",), categories=("all",),
       status=True, generation=True),
    _r("networking.k8s.io", "v1", "ingresses", "Ingress", short_names=("ing",), status=True,
       generation=True),
    _r("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler",
       short_names=("hpa",), categories=("all",), status=True),
    _r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    _r("coordination.k8s.io", "v1", "leases", "Lease"),
    _r("", "v1", "resourcequotas", "ResourceQuota", short_names=("quota",), status=True),
    _r("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", short_names=("pdb",), status=True,
       generation=True),
    _r("rbac.authorization.k8s.io", "v1", "roles", "Role"),
    _r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
    _r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    _r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _r("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, short_names=("pc",)),
    _r("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
       verbs=("create",)),
    _r("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", False,
       short_names=("csr",), status=True, approval=True),
    _r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False,
       short_names=("crd", "crds"), categories=("api-extensions",), status=True, generation=True),
)

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
CSR_KEY = "certificatesigningrequests.certificates.k8s.io"
ACCESS_REVIEW_KEY = "selfsubjectaccessreviews.authorization.k8s.io"  # answered, never stored


def from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """The resource a CRD serves (one row, all served versions; storage version first)."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
    if not versions or not names.get("plural") or not names.get("kind"):
        return []
    storage = next((v for v in versions if v.get("storage")), versions[0])
    subs = storage.get("subresources") or {}
    scale = None
    if "scale" in subs and isinstance(subs["scale"], dict):
        s = subs["scale"]
        scale = ScalePaths(
            spec_replicas=str(s.get("specReplicasPath", ".spec.replicas")).lstrip("."),
            status_replicas=str(s.get("statusReplicasPath", ".status.replicas")).lstrip("."),
            label_selector=str(s["labelSelectorPath"]).lstrip(".") if s.get("labelSelectorPath") else None,
        )
    ordered = [storage["name"]] + [v["name"] for v in versions if v["name"] != storage["name"]]
    return [
        ResourceType(
            group=spec.get("group", ""),
            version=storage["name"],
            plural=names["plural"],
            kind=names["kind"],
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            singular=names.get("singular") or names["kind"].lower(),
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            status="status" in subs,
            scale=scale,
            generation=True,
            versions=tuple(ordered),
        )
    ]


def builtin_table() -> dict[str, ResourceType]:
    return {rt.key: rt for rt in BUILTIN}
