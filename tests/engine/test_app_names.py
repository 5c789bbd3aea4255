"""Names Kubernetes would refuse are refused when the Application is parsed, before it is stored."""

import copy

import pytest

from fleettui.config.names import DNS1123_LABEL_MSG, DNS1123_SUBDOMAIN_MSG
from fleettui.engine.errors import AppInvalid
from fleettui.engine.validate import parse_application, unknown_override_components

BASE = {
    "apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
    "metadata": {"name": "orders", "namespace": "shop"},
    "spec": {
        "components": [{"name": "web", "type": "k8s-objects", "properties": {"objects": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "labels": {"tier": "web"}}}]}}],
        "policies": [{"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}],
    },
}


def _with(path, value):
    doc = copy.deepcopy(BASE)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("path,value,field,message", [
    (("metadata", "name"), "Bad_Name", "metadata.name", DNS1123_SUBDOMAIN_MSG),
    (("metadata", "name"), "a" * 64, "metadata.name", "must be no more than 63 characters"),
    (("metadata", "namespace"), "Bad_NS!", "metadata.namespace", DNS1123_LABEL_MSG),
    (("metadata", "namespace"), "ünïcødé", "metadata.namespace", DNS1123_LABEL_MSG),
    (("spec", "components", 0, "name"), "with space", "spec.components[0].name", DNS1123_SUBDOMAIN_MSG),
    (("spec", "components", 0, "properties", "objects", 0, "metadata", "name"), "Bad_Name",
     "spec.components[0].properties.objects[0].metadata.name", DNS1123_SUBDOMAIN_MSG),
    (("spec", "components", 0, "properties", "objects", 0, "metadata", "labels"), {"tier": "bad value"},
     "spec.components[0].properties.objects[0].metadata.labels.tier", "a valid label must be"),
    (("spec", "policies", 0, "properties"), {"clusterLabelSelector": {"bad key!": "x"}},
     "spec.policies[0].properties.clusterLabelSelector.bad key!", "name part must consist"),
    (("spec", "policies", 0, "properties"), {"clusterLabelSelector": {}, "namespace": "Other_NS"},
     "spec.policies[0].properties.namespace", DNS1123_LABEL_MSG),
])
def test_invalid_names_refused_with_field_and_kubernetes_words(path, value, field, message):
    with pytest.raises(AppInvalid) as exc:
        parse_application(_with(path, value))
    assert any(p.field == field and message in p.message and "Invalid value" in p.message
               for p in exc.value.problems), exc.value.problems


def test_valid_names_pass():
    assert parse_application(BASE).name == "orders"
    assert parse_application(_with(("spec", "policies", 0, "properties"),
                       {"clusterLabelSelector": {"fleettui.io/provider": "ack", "tier": 3}})).name == "orders"


def test_override_of_a_missing_component_warns():
    doc = copy.deepcopy(BASE)
    doc["spec"]["policies"].append({"name": "ov", "type": "override", "properties": {
        "components": [{"name": "wbe", "properties": {}}, {"name": "web"}, {"properties": {}}]}})
    warnings = unknown_override_components(parse_application(doc))
    assert warnings == ["override policy 'ov' names component 'wbe', which the application does not have "
                        "(components: web); it changes nothing"]
