"""What every namespace of a real cluster gets from its controllers.

The service account controller creates the `default` ServiceAccount and the
root-CA publisher the `kube-root-ca.crt` ConfigMap; clients (and kubectl
describe) expect both, in the built-in namespaces and in every new one.
"""

from __future__ import annotations

from .runtime import ClusterRuntime

RESOURCE = "namespaces"
ROOT_CA = "kube-root-ca.crt"
# Not a real certificate: the simulator serves plain HTTP; the shape is what matters.
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBsimulatedfleettuiCA\n-----END CERTIFICATE-----\n"


def reconcile(rt: ClusterRuntime, _namespace: str, name: str) -> None:
    ns = rt.cluster.get(RESOURCE, "", name)
    if ns is None or (ns.get("metadata") or {}).get("deletionTimestamp"):
        return
    if (ns.get("status") or {}).get("phase") == "Terminating":
        return
    if rt.cluster.get("serviceaccounts", name, "default") is None:
        rt.cluster.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                              "metadata": {"name": "default", "namespace": name}})
    if rt.cluster.get("configmaps", name, ROOT_CA) is None:
        rt.cluster.create("configmaps", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA, "namespace": name,
                         "annotations": {"kubernetes.io/description": (
                             "Contains a CA bundle that can be used to verify the kube-apiserver when "
                             "using internal endpoints such as the internal service IP or "
                             "kubernetes.default.svc. No other usage is guaranteed across distributions "
                             "of Kubernetes clusters.")}},
            "data": {"ca.crt": CA_PEM}})
