"""The printer-column JSONPath subset, as a pure function."""

from __future__ import annotations

import pytest

from fleettui.sim.jsonpath import find, parse, text

CLUSTER = {
    "metadata": {"name": "c1", "labels": {"app.kubernetes.io/name": "web"}},
    "spec": {"hubAcceptsClient": True,
             "managedClusterClientConfigs": [{"url": "https://a:6443"}, {"url": "https://b:6443"}]},
    "status": {"conditions": [
        {"type": "ManagedClusterJoined", "status": "True", "reason": {"code": "Joined"}},
        {"type": "ManagedClusterConditionAvailable", "status": "Unknown", "reason": {"code": "Lease"}},
        {"type": "Count", "status": 1},
        {"type": "Flag", "status": True},
    ]},
}


@pytest.mark.parametrize(("path", "expected"), [
    (".metadata.name", ["c1"]),
    ("{.metadata.name}", ["c1"]),
    ("$.metadata.name", ["c1"]),
    (".spec.hubAcceptsClient", [True]),
    (".spec.managedClusterClientConfigs[*].url", ["https://a:6443", "https://b:6443"]),
    (".spec.managedClusterClientConfigs[1].url", ["https://b:6443"]),
    (".spec.managedClusterClientConfigs[-1].url", ["https://b:6443"]),
    (".spec.managedClusterClientConfigs[5].url", []),
    ('.status.conditions[?(@.type=="ManagedClusterJoined")].status', ["True"]),
    (".status.conditions[?(@.type=='ManagedClusterConditionAvailable')].status", ["Unknown"]),
    ('.status.conditions[?(@.reason.code=="Lease")].type', ["ManagedClusterConditionAvailable"]),
    ('.status.conditions[?(@.type!="ManagedClusterJoined")].type',
     ["ManagedClusterConditionAvailable", "Count", "Flag"]),
    (".status.conditions[?(@.status==1)].type", ["Count"]),  # 1 is not true
    (".status.conditions[?(@.status==true)].type", ["Flag"]),
    (".status.conditions[?(@.reason)].type", ["ManagedClusterJoined", "ManagedClusterConditionAvailable"]),
    ('.status.conditions[?(@.type=="Missing")].status', []),
    (".metadata.labels['app.kubernetes.io/name']", ["web"]),
    (".spec.missing.deeper", []),
    (".spec.managedClusterClientConfigs.url", []),  # a field of a list selects nothing without [*]
    (".metadata.name[0]", []),
])
def test_find(path, expected):
    assert find(CLUSTER, path) == expected


@pytest.mark.parametrize("path", ["..name", ".a[1:2]", ".a[?(@.x > 1)]", ".a[", ".a[0,1]"])
def test_unsupported_paths_are_rejected(path):
    with pytest.raises(ValueError):
        parse(path)


def test_text_prints_strings_bare_and_the_rest_as_json():
    assert [text(v) for v in ("x", True, 3, {"a": [1]})] == ["x", "true", "3", '{"a":[1]}']
