"""The clusterset side of the seed: MCS CRDs in every member, and (demo) a few exported Services.

Demo, by position in the fleet (c0, c1 exporters; c2 the consumer, as ACK One's
provider and consumer clusters):
- payments/payments-api exported from c0 and c1, imported into c2 (and c3);
- shop/catalog exported from c0 (older) and c1, whose catalog serves `http` on 8080
  instead of 80 and an extra `grpc` 8443: a PortConflict on c1, c0 wins, and 8443 is
  a port only c1's backends serve;
- platform/auth exported from c1 alone, imported into c0 and c2.
"""

from __future__ import annotations

from typing import Any

from .controllers.objects import deep
from .mcs import EXPORTS, GROUP, IMPORTS
from .seed_catalog import iso
from .seed_hub import _crd

CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io"
VERSION = "v1alpha1"
DAY = 86400.0


def mcs_crds() -> list[dict]:
    age = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    export = _crd(GROUP, VERSION, "ServiceExport", "serviceexports", "Namespaced", short=["svcex"], columns=[age])
    imp = _crd(GROUP, VERSION, "ServiceImport", "serviceimports", "Namespaced", short=["svcim"], columns=[
        {"name": "Type", "type": "string", "jsonPath": ".spec.type"},
        {"name": "IP", "type": "string", "jsonPath": ".spec.ips"}, age])
    return [export, imp]


def service_export(namespace: str, name: str) -> dict:
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "ServiceExport",
            "metadata": {"name": name, "namespace": namespace}}


def service_import(namespace: str, name: str, type_: str = "ClusterSetIP") -> dict:
    """What a user writes in the consumer cluster; the controller fills the rest."""
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "ServiceImport",
            "metadata": {"name": name, "namespace": namespace}, "spec": {"type": type_, "ports": []}}


def populate_clusterset(clusters: list[Any], *, seed: str) -> None:
    """CRDs everywhere; with the demo seed the exports and imports described above."""
    if not clusters:
        return
    now = clusters[0].clock.now()
    for cluster in clusters:
        for crd in mcs_crds():
            cluster.create(CRD_KEY, crd, creation_timestamp=iso(now - 90 * DAY))
    if seed != "demo":
        return
    c = clusters + [None] * 4
    c0, c1, c2, c3 = c[0], c[1], c[2], c[3]
    if c1 is not None:
        _conflicting_catalog(c1)
    plan: list[tuple[Any, str, str, float]] = [
        (c0, "payments", "payments-api", 20), (c1, "payments", "payments-api", 12),
        (c0, "shop", "catalog", 30), (c1, "shop", "catalog", 9), (c1 or c0, "platform", "auth", 15)]
    for cluster, ns, name, days in plan:
        if cluster is not None and cluster.get(EXPORTS, ns, name) is None:
            cluster.create(EXPORTS, service_export(ns, name), creation_timestamp=iso(now - days * DAY))
    imports = [(c2, "payments", "payments-api"), (c3, "payments", "payments-api"), (c2, "shop", "catalog"),
               (c0 if c1 is not None else None, "platform", "auth"), (c2, "platform", "auth")]
    for cluster, ns, name in imports:
        if cluster is not None:
            cluster.create(IMPORTS, service_import(ns, name), creation_timestamp=iso(now - 7 * DAY))


def _conflicting_catalog(cluster: Any) -> None:
    svc = cluster.get("services", "shop", "catalog")
    if svc is None:
        return
    obj = deep(svc)
    obj["spec"]["ports"] = [{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": "http"},
                            {"name": "grpc", "port": 8443, "protocol": "TCP", "targetPort": 8443}]
    cluster.update("services", obj)
