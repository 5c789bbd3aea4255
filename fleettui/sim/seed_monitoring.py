"""The monitoring stack's API in every member cluster: prometheus-operator's
`PrometheusRule` CRD (monitoring.coreos.com/v1), as kube-prometheus installs it.

Seeded in every member (demo and empty seeds alike) because rule sets are distributed
to members as PrometheusRule objects; the harness (promstack.py) plays the operator.
"""

from __future__ import annotations

from typing import Any

GROUP = "monitoring.coreos.com"
PROMETHEUS_RULES = f"prometheusrules.{GROUP}"  # the simulator's resource key


def prometheusrule_crd() -> dict[str, Any]:
    """Namespaced, served and stored at v1, no status subresource (the operator's CRD has
    none), categories as upstream so `kubectl get prometheus-operator` lists them."""
    rule = {"type": "object", "properties": {
        "alert": {"type": "string"}, "record": {"type": "string"},
        "expr": {"x-kubernetes-int-or-string": True},
        "for": {"type": "string"}, "keep_firing_for": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["expr"]}
    group = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string", "minLength": 1}, "interval": {"type": "string"},
        "query_offset": {"type": "string"}, "limit": {"type": "integer"},
        "partial_response_strategy": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "rules": {"type": "array", "items": rule}}}
    schema = {"type": "object", "required": ["spec"], "properties": {
        "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
        "spec": {"type": "object", "properties": {"groups": {"type": "array", "items": group}}}}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": PROMETHEUS_RULES,
                     "annotations": {"operator.prometheus.io/version": "0.75.2",
                                     "controller-gen.kubebuilder.io/version": "v0.15.0"}},
        "spec": {"group": GROUP, "scope": "Namespaced",
                 "names": {"kind": "PrometheusRule", "listKind": "PrometheusRuleList", "plural": "prometheusrules",
                           "singular": "prometheusrule", "shortNames": ["promrule"],
                           "categories": ["prometheus-operator"]},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": schema}}]},
    }
