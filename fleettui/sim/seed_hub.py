"""The hub's side of the demo fleet: OCM and KubeVela CRDs, and each member's registration.

Shapes follow open-cluster-management's ManagedCluster (cluster.open-cluster-management.io/v1:
spec.hubAcceptsClient, status conditions HubAcceptedManagedCluster / ManagedClusterJoined /
ManagedClusterConditionAvailable with their registration-controller reasons, capacity,
allocatable, version, clusterClaims) and KubeVela's cluster Secret in vela-system
(label cluster.core.oam.dev/cluster-credential-type, data.endpoint, certificates or token).
"""

from __future__ import annotations

from typing import Any

from .cluster_spec import ClusterSpec
from .seed_catalog import PEM_CERT, b64, iso, node_allocatable, short_hash

# ManagedCluster's spec as open-cluster-management-io/api's CRD declares it (cluster/v1,
# 0000_00_clusters.open-cluster-management.io_managedclusters.crd.yaml): the hub refuses a
# taint it does not allow with 422 Invalid, and so does the simulator (crd_schema.py).
_TAINT = {"type": "object", "required": ["effect", "key"], "properties": {
    "effect": {"type": "string", "enum": ["NoSelect", "PreferNoSelect", "NoSelectIfNew"]},
    "key": {"type": "string", "maxLength": 316,
            "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                       r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"},
    "timeAdded": {"type": "string", "format": "date-time", "nullable": True},
    "value": {"type": "string", "maxLength": 1024}}}
MANAGED_CLUSTER_SPEC = {"type": "object", "properties": {
    "hubAcceptsClient": {"type": "boolean"},
    "leaseDurationSeconds": {"type": "integer", "format": "int32", "default": 60},
    "managedClusterClientConfigs": {"type": "array", "items": {
        "type": "object", "required": ["url"],
        "properties": {"caBundle": {"type": "string", "format": "byte"}, "url": {"type": "string"}}}},
    "taints": {"type": "array", "items": _TAINT}}}


def _crd(group: str, version: str, kind: str, plural: str, scope: str, *, short: list[str],
         categories: list[str] | None = None, columns: list[dict] | None = None,
         spec: dict | None = None) -> dict:
    open_object = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    names: dict[str, Any] = {"kind": kind, "listKind": f"{kind}List", "plural": plural,
                             "singular": kind.lower(), "shortNames": short}
    if categories:
        names["categories"] = categories
    ver: dict[str, Any] = {
        "name": version, "served": True, "storage": True, "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": spec or open_object, "status": open_object}}},
    }
    if columns:
        ver["additionalPrinterColumns"] = columns
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": f"{plural}.{group}"},
            "spec": {"group": group, "names": names, "scope": scope, "versions": [ver]}}


def hub_crds() -> list[dict]:
    age = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    managed = _crd("cluster.open-cluster-management.io", "v1", "ManagedCluster", "managedclusters", "Cluster",
                   short=["mcl", "mcls"], spec=MANAGED_CLUSTER_SPEC, columns=[
                       {"name": "Hub Accepted", "type": "boolean", "jsonPath": ".spec.hubAcceptsClient"},
                       {"name": "Managed Cluster URLs", "type": "string",
                        "jsonPath": ".spec.managedClusterClientConfigs[*].url"},
                       {"name": "Joined", "type": "string",
                        "jsonPath": '.status.conditions[?(@.type=="ManagedClusterJoined")].status'},
                       {"name": "Available", "type": "string",
                        "jsonPath": '.status.conditions[?(@.type=="ManagedClusterConditionAvailable")].status'},
                       age])
    app = _crd("core.oam.dev", "v1beta1", "Application", "applications", "Namespaced",
               short=["app", "velaapp"], categories=["oam"], columns=[
                   {"name": "COMPONENT", "type": "string", "jsonPath": ".spec.components[*].name"},
                   {"name": "TYPE", "type": "string", "jsonPath": ".spec.components[*].type"},
                   {"name": "PHASE", "type": "string", "jsonPath": ".status.status"},
                   {"name": "HEALTHY", "type": "boolean", "jsonPath": ".status.services[*].healthy"},
                   {"name": "STATUS", "type": "string", "jsonPath": ".status.services[*].message"},
                   age])
    ocm = "cluster.open-cluster-management.io"
    sets = _crd(ocm, "v1beta2", "ManagedClusterSet", "managedclustersets", "Cluster",
                short=["mclset", "mclsets"], columns=[
                    {"name": "Empty", "type": "string",
                     "jsonPath": '.status.conditions[?(@.type=="ClusterSetEmpty")].status'}, age])
    bindings = _crd(ocm, "v1beta2", "ManagedClusterSetBinding", "managedclustersetbindings", "Namespaced",
                    short=["mclsetbinding", "mclsetbindings"], columns=[age])
    placements = _crd(ocm, "v1beta1", "Placement", "placements", "Namespaced", short=["plc"], columns=[
        {"name": "Succeeded", "type": "string",
         "jsonPath": '.status.conditions[?(@.type=="PlacementSatisfied")].status'},
        {"name": "Reason", "type": "string",
         "jsonPath": '.status.conditions[?(@.type=="PlacementSatisfied")].reason'},
        {"name": "SelectedClusters", "type": "integer", "jsonPath": ".status.numberOfSelectedClusters"}])
    decisions = _crd(ocm, "v1beta1", "PlacementDecision", "placementdecisions", "Namespaced",
                     short=["pd"], columns=[age])
    # KubeVela's standalone objects an Application's workflow.ref and deploy steps name
    policy = _crd("core.oam.dev", "v1alpha1", "Policy", "policies", "Namespaced", short=["pol"],
                  categories=["oam"], columns=[{"name": "TYPE", "type": "string", "jsonPath": ".type"}, age])
    workflow = _crd("core.oam.dev", "v1alpha1", "Workflow", "workflows", "Namespaced", short=["wf"],
                    categories=["oam"], columns=[age])
    return [managed, app, sets, bindings, placements, decisions, policy, workflow]


def clustersets() -> list[tuple[str, dict]]:
    """The demo hub's sets, binding and one placement, as `clusteradm init` and a user make them:
    `default` (every member is labelled into it), `global` (all clusters), both bound in
    `default`, and a Placement of the ACK members there."""
    ocm = "cluster.open-cluster-management.io"
    exclusive = {"selectorType": "ExclusiveClusterSetLabel"}
    out: list[tuple[str, dict]] = [
        (f"managedclustersets.{ocm}", {"apiVersion": f"{ocm}/v1beta2", "kind": "ManagedClusterSet",
                                       "metadata": {"name": "default"}, "spec": {"clusterSelector": exclusive}}),
        (f"managedclustersets.{ocm}", {"apiVersion": f"{ocm}/v1beta2", "kind": "ManagedClusterSet",
                                       "metadata": {"name": "global"},
                                       "spec": {"clusterSelector": {"selectorType": "LabelSelector",
                                                                    "labelSelector": {}}}}),
    ]
    for name in ("default", "global"):
        out.append((f"managedclustersetbindings.{ocm}", {
            "apiVersion": f"{ocm}/v1beta2", "kind": "ManagedClusterSetBinding",
            "metadata": {"name": name, "namespace": "default"}, "spec": {"clusterSet": name}}))
    out.append((f"placements.{ocm}", {
        "apiVersion": f"{ocm}/v1beta1", "kind": "Placement",
        "metadata": {"name": "ack-clusters", "namespace": "default"},
        "spec": {"clusterSets": ["default"], "predicates": [{"requiredClusterSelector": {
            "labelSelector": {"matchLabels": {"fleettui.io/provider": "ack"}}}}]}}))
    return out


_CLOUD = {"ack": ("Alibaba", "ACK", "AlibabaCloud"), "eks": ("Amazon", "EKS", "AWS"),
          "idc": ("Other", "Other", "Other"), "edge": ("Other", "Other", "Other")}


def member_registration(spec: ClusterSpec, url: str, *, now: float) -> tuple[dict, dict, dict]:
    """(ManagedCluster, its status, KubeVela cluster Secret) for one member."""
    cloud, vendor, platform = _CLOUD[spec.provider]
    cpu_m, mem_ki = node_allocatable(spec)
    joined = iso(now - 86400 * (30 + spec.index))
    version = spec.kubelet_version
    labels = {"name": spec.name, "cloud": cloud, "vendor": vendor, "region": spec.region,
              "cluster.open-cluster-management.io/clusterset": "default",
              "fleettui.io/provider": spec.provider, "env": spec.env}
    managed = {"apiVersion": "cluster.open-cluster-management.io/v1", "kind": "ManagedCluster",
               "metadata": {"name": spec.name, "labels": labels},
               "spec": {"hubAcceptsClient": True, "leaseDurationSeconds": 60,
                        "managedClusterClientConfigs": [{"url": url, "caBundle": b64(PEM_CERT)}]}}
    available = (
        {"type": "ManagedClusterConditionAvailable", "status": "True", "lastTransitionTime": joined,
         "reason": "ManagedClusterAvailable", "message": "Managed cluster is available"}
        if spec.hub_available else
        {"type": "ManagedClusterConditionAvailable", "status": "Unknown", "lastTransitionTime": iso(now - 1800),
         "reason": "ManagedClusterLeaseUpdateStopped", "message": "Registration agent stopped updating its lease."})
    status = {
        "conditions": [
            {"type": "HubAcceptedManagedCluster", "status": "True", "lastTransitionTime": joined,
             "reason": "HubClusterAdminAccepted", "message": "Accepted by hub cluster admin"},
            {"type": "ManagedClusterJoined", "status": "True", "lastTransitionTime": joined,
             "reason": "ManagedClusterJoined", "message": "Managed cluster joined"},
            available],
        "capacity": {"cpu": str(spec.node_cpu * spec.nodes),
                     "memory": f"{spec.node_memory_gi * 1024 * 1024 * spec.nodes}Ki",
                     "core_worker": str(spec.node_cpu * spec.nodes), "socket_worker": str(spec.nodes)},
        "allocatable": {"cpu": f"{cpu_m * spec.nodes}m", "memory": f"{mem_ki * spec.nodes}Ki"},
        "version": {"kubernetes": version},
        "clusterClaims": [
            {"name": "id.k8s.io", "value": spec.name},
            {"name": "kubeversion.open-cluster-management.io", "value": version},
            {"name": "platform.open-cluster-management.io", "value": platform},
            {"name": "product.open-cluster-management.io", "value": vendor},
            {"name": "region.open-cluster-management.io", "value": spec.region}],
    }
    x509 = spec.provider in ("ack", "eks")
    data = {"endpoint": b64(url)}
    if x509:
        data.update({"ca.crt": b64(PEM_CERT), "tls.crt": b64(PEM_CERT),
                     "tls.key": b64("-----BEGIN EC PRIVATE KEY-----\nsimulated\n-----END EC PRIVATE KEY-----\n")})
    else:
        data["token"] = b64("eyJhbGciOiJSUzI1NiJ9.simulated." + short_hash("token", spec.name, n=43))
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": {"name": spec.name, "namespace": "vela-system",
                           "labels": {"cluster.core.oam.dev/cluster-credential-type":
                                      "X509Certificate" if x509 else "ServiceAccountToken",
                                      "fleettui.io/provider": spec.provider, "region": spec.region,
                                      "env": spec.env}},
              "type": "Opaque", "data": data}
    return managed, status, secret
