"""Where does it fit: table tests of the pure placement check."""

from __future__ import annotations

import pytest

from fleettui.metrics.fit import (
    NodeFacts,
    PodShape,
    fit_cluster,
    rank,
    shapes_from_objects,
    tolerates,
)

GI = 2**30


def node(name="n", cpu=4000, mem=16 * GI, cpu_req=0, mem_req=0, **kw):
    return NodeFacts(name, cpu, mem, cpu_req, mem_req, **kw)


@pytest.mark.parametrize("shape, nodes, fits, room, reason", [
    (PodShape(500, GI, 3), [node(cpu_req=2500)], True, 3, "room for 3 on 1 node"),  # 1500m free
    (PodShape(500, GI, 4), [node(cpu_req=2500), node("m", cpu_req=3500)], True, 4, "room for 4 on 2 nodes"),
    (PodShape(500, 8 * GI, 3), [node(mem_req=4 * GI)], False, 1, "room for 1 of 3"),
    (PodShape(100, GI, 1, {"disk": "ssd"}), [node(labels={"disk": "hdd"})], False, 0, "room for 0 of 1; 1 node selector"),
    (PodShape(100, GI, 1), [node(taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])],
     False, 0, "room for 0 of 1; 1 taint gpu=true:NoSchedule"),
    (PodShape(100, GI, 1, tolerations=[{"key": "gpu", "operator": "Exists"}]),
     [node(taints=[{"key": "gpu", "value": "true", "effect": "NoSchedule"}])], True, 10, None),
    (PodShape(100, GI, 1), [node(taints=[{"key": "x", "effect": "PreferNoSchedule"}])], True, 10, None),
    (PodShape(100, GI, 1), [node(ready=False), node("u", unschedulable=True)], False, 0,
     "room for 0 of 1; 1 not ready; 1 unschedulable"),
    (PodShape(100, GI, 1), [], False, 0, "no nodes in the cache"),
])
def test_fit_cluster(shape, nodes, fits, room, reason):
    f = fit_cluster("c", shape, nodes)
    assert (f.fits, f.replicas) == (fits, room)
    if reason:
        assert f.reason == reason


@pytest.mark.parametrize("tolerations, taint, ok", [
    ([{"operator": "Exists"}], {"key": "a", "effect": "NoSchedule"}, True),
    ([{"key": "a", "value": "1"}], {"key": "a", "value": "1", "effect": "NoExecute"}, True),
    ([{"key": "a", "value": "2"}], {"key": "a", "value": "1", "effect": "NoExecute"}, False),
    ([{"key": "a", "operator": "Exists", "effect": "NoExecute"}], {"key": "a", "effect": "NoSchedule"}, False),
    ([], {"key": "a", "effect": "NoSchedule"}, False),
])
def test_tolerations_follow_kubernetes(tolerations, taint, ok):
    assert tolerates(tolerations, taint) is ok


def test_rank_puts_fitting_and_emptiest_first():
    pod = PodShape(1000, GI, 2)
    fleet = {"full": [node(cpu_req=3500)], "busy": [node(cpu_req=1000)], "idle": [node()]}
    assert [(f.cluster, f.fits) for f in rank([pod], fleet)] == [("idle", True), ("busy", True), ("full", False)]


def test_shapes_from_deployment_and_kubevela_application():
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"}, "spec": {
        "replicas": 3, "template": {"spec": {"nodeSelector": {"disk": "ssd"}, "containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}},
            {"name": "b", "resources": {"requests": {"cpu": "250m"}}}]}}}}
    app = {"kind": "Application", "spec": {"components": [
        {"name": "web", "type": "webservice", "properties": {"cpu": "0.5", "memory": "1Gi"},
         "traits": [{"type": "scaler", "properties": {"replicas": 2}}]},
        {"name": "objs", "type": "k8s-objects", "properties": {"objects": [dep]}}]}}
    shapes = shapes_from_objects([app])
    assert [(s.name, s.cpu_m, s.mem_b, s.replicas) for s in shapes] == [
        ("web", 500, GI, 2), ("Deployment/api", 500, 512 * 2**20, 3)]
    assert shapes[1].node_selector == {"disk": "ssd"}
