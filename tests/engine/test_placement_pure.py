"""Table tests of the pure placement functions: waves, room, cluster choice, replica
split, and their application to rendered placements."""

from __future__ import annotations

import pytest

from fleettui.engine.errors import AppInvalid, RenderError
from fleettui.engine.placement import waves
from fleettui.engine.placement.capacity import (
    NodeRoom,
    PodNeeds,
    choose_clusters,
    cluster_room,
    pod_needs,
)
from fleettui.engine.placement.schedule import schedule
from fleettui.engine.placement.split import split_replicas
from fleettui.engine.render import MemberCluster, render_step
from fleettui.engine.validate import parse_application

GI = 2**30
C6 = ["a", "b", "c", "d", "e", "f"]


@pytest.mark.parametrize(("batches", "labels", "expected"), [
    ({"size": 2}, {}, [["a", "b"], ["c", "d"], ["e", "f"]]),
    ({"size": 4}, {}, [["a", "b", "c", "d"], ["e", "f"]]),
    ({"size": 10}, {}, [C6]),
    # cumulative fractions: 1 of 6 (ceil 0.6), then up to 3, then the rest
    ({"size": [0.1, 0.5]}, {}, [["a"], ["b", "c"], ["d", "e", "f"]]),
    # two fractions rounding to the same count make one wave; 1.0 ends it
    ({"size": [0.1, 0.15, 1.0]}, {}, [["a"], ["b", "c", "d", "e", "f"]]),
    # highest priority first; without the label (or not a number) last, topology order among equals
    ({"size": 2, "order": {"byLabel": "prio"}},
     {"c": {"prio": "10"}, "e": {"prio": "5"}, "f": {"prio": "10"}, "b": {"prio": "x"}},
     [["c", "f"], ["e", "a"], ["b", "d"]]),
    ({"size": 3, "order": {"clusters": ["f", "zz", "b"]}}, {}, [["f", "b", "a"], ["c", "d", "e"]]),
])
def test_plan_waves(batches, labels, expected):
    assert waves.problems(batches, "b") == []
    got = waves.plan_waves(C6, labels, waves.parse(batches))
    assert got == expected
    assert sorted(c for w in got for c in w) == C6


@pytest.mark.parametrize(("batches", "field"), [
    ({}, "b.size"),
    ({"size": 0}, "b.size"),
    ({"size": [0.5, 0.2]}, "b.size"),
    ({"size": [1.5]}, "b.size"),
    ({"size": 1, "order": {"byLabel": "x", "clusters": []}}, "b.order"),
    ({"size": 1, "pauseAfterFirst": "yes"}, "b.pauseAfterFirst"),
    ({"size": 1, "progressDeadline": "soon"}, "b.progressDeadline"),
    ({"size": 1, "parallel": 2}, "b.parallel"),
])
def test_batches_problems_name_the_field(batches, field):
    assert field in [f for f, _ in waves.problems(batches, "b")]


@pytest.mark.parametrize(("total", "weights", "expected"), [
    (10, {"a": 1, "b": 1}, {"a": 5, "b": 5}),
    (10, {"a": 2, "b": 1, "c": 2}, {"a": 4, "b": 2, "c": 4}),
    # remainder one at a time by weight, then name (Karmada's order)
    (10, {"a": 1, "b": 1, "c": 1}, {"a": 4, "b": 3, "c": 3}),
    (7, {"x": 1, "y": 3}, {"x": 1, "y": 6}),
    (5, {"a": 0, "b": 2}, {"a": 0, "b": 5}),
    (5, {"a": 0, "b": 0}, {"a": 0, "b": 0}),
    (0, {"a": 1}, {"a": 0}),
])
def test_split_replicas(total, weights, expected):
    got = split_replicas(total, weights)
    assert got == expected
    assert sum(got.values()) == (total if any(weights.values()) else 0)


def node(cluster, name, cpu, mem_gi, gpu=0, **kw):
    return NodeRoom(cluster, name, cpu, mem_gi * GI, gpu, **kw)


def test_cluster_room_honours_filters_and_resources():
    need = PodNeeds(1000, 2 * GI, 1, {"accel": "a100"}, ({"key": "gpu", "operator": "Exists"},))
    nodes = [
        node("x", "n1", 4000, 16, 2, labels={"accel": "a100"}, taints=(("gpu", "", "NoSchedule"),)),  # 2 (gpu)
        node("x", "n2", 8000, 64, 4, labels={"accel": "t4"}),  # selector does not match
        node("x", "n3", 8000, 64, 4, labels={"accel": "a100"}, taints=(("ded", "ml", "NoExecute"),)),  # taint
        node("x", "n4", 8000, 64, 4, labels={"accel": "a100"}, ready=False),
        node("x", "n5", 3500, 5, 8, labels={"accel": "a100"}),  # memory: 2
    ]
    room = cluster_room("x", nodes, need)
    assert (room.fits, room.admitting, room.nodes) == (4, 2, 5)
    assert cluster_room("y", [nodes[1]], need).why_not.startswith("no node matches nodeSelector accel=a100")
    assert "taint" in cluster_room("y", [nodes[2]], need).why_not
    assert cluster_room("y", [node("y", "n", 500, 1, 0, labels={"accel": "a100"})], need).why_not \
        == "insufficient cpu, memory, nvidia.com/gpu"
    assert cluster_room("y", [], need).fits == 0


def test_choose_most_room_then_priority():
    need = PodNeeds(1000, GI)
    rooms = {c: cluster_room(c, [node(c, "n", cpu, 64)], need)
             for c, cpu in (("a", 2000), ("b", 8000), ("c", 8000), ("d", 500))}
    got = choose_clusters(["a", "b", "c", "d"], rooms, pods=2, count=1, priorities={"c": 5})
    assert got.chosen == ("c",)  # b and c tie on room: c's priority wins
    assert got.reasons[0].startswith("c: chosen; room for 8 pod(s)")
    assert any(r.startswith("d: not chosen: needs room for 2 pod(s)") for r in got.reasons)
    assert choose_clusters(["a", "b", "c", "d"], rooms, pods=2, count=3, priorities={}).chosen == ("b", "c", "a")
    assert choose_clusters(["d"], rooms, pods=2, count=1, priorities={}).chosen == ()


def test_pod_needs_from_template():
    job = {"kind": "Job", "spec": {"template": {"spec": {
        "nodeSelector": {"pool": "gpu"},
        "containers": [{"resources": {"requests": {"cpu": "1500m", "memory": "1Gi"},
                                      "limits": {"nvidia.com/gpu": "2"}}},
                       {"resources": {"limits": {"cpu": "500m", "memory": "512Mi"}}}],
        "initContainers": [{"resources": {"requests": {"cpu": "4"}}}]}}}}
    assert pod_needs(job) == PodNeeds(4000, GI + 512 * 2**20, 2, {"pool": "gpu"}, ())


def app(policies, components=None, steps=None):
    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "train", "namespace": "ml"},
           "spec": {"components": components or [
               {"name": "train", "type": "task", "properties": {"image": "trainer:1", "count": 2, "cpu": "2"}}],
                    "policies": policies}}
    if steps:
        doc["spec"]["workflow"] = {"steps": steps}
    return parse_application(doc)


FLEET = [MemberCluster("a", {"fleettui.io/priority": "1"}), MemberCluster("b", {}), MemberCluster("c", {})]
TOPO = {"name": "all", "type": "topology", "properties": {"clusterLabelSelector": {}}}


def test_placement_policy_keeps_the_cluster_with_room_and_is_sticky():
    a = app([TOPO, {"name": "room", "type": "placement", "properties": {"clusters": 1}}])
    pls = render_step(a, ["all", "room"], FLEET, revision="train-v1")
    nodes = {"a": [node("a", "n", 3000, 8)], "b": [node("b", "n", 5000, 8)], "c": [node("c", "n", 1000, 8)]}
    kept, decisions = schedule(a, ["all", "room"], pls, nodes=nodes, fleet=FLEET, revision="train-v1")
    assert [pl.cluster for pl in kept] == ["b"]  # 2 pods of 2 cpu: only b has room for both
    d = decisions["room"]
    assert d["clusters"] == ["b"] and d["revision"] == "train-v1"
    assert d["reasons"][0].startswith("b: chosen; room for 2 pod(s)")
    # the Job's own pods now use b's room: the decision of this revision stands
    nodes["b"] = [node("b", "n", 1000, 8)]
    kept, again = schedule(a, ["all", "room"], pls, nodes=nodes, fleet=FLEET, revision="train-v1",
                           previous=decisions)
    assert [pl.cluster for pl in kept] == ["b"] and again == decisions
    # a new revision decides afresh; nowhere with room is a render error naming the policy
    with pytest.raises(RenderError) as exc:
        schedule(a, ["all", "room"], pls, nodes=nodes, fleet=FLEET, revision="train-v2", previous=decisions)
    assert "no cluster has room for 2 pod(s)" in str(exc.value) and exc.value.field == "policy room"


def test_replica_split_by_weights_and_by_capacity():
    comps = [{"name": "web", "type": "webservice", "properties": {"image": "nginx:1.27", "cpu": "1"},
              "traits": [{"type": "scaler", "properties": {"replicas": 3}}]}]
    split = {"name": "split", "type": "replica-split",
             "properties": {"replicas": 10, "weights": [{"cluster": "a", "weight": 2}, {"cluster": "b", "weight": 1},
                                                        {"cluster": "c", "weight": 2}]}}
    a = app([TOPO, split], comps)
    pls = render_step(a, ["all", "split"], FLEET, revision="v1")
    out, d = schedule(a, ["all", "split"], pls, nodes={}, fleet=FLEET, revision="v1")
    assert {pl.cluster: pl.manifests[0].object["spec"]["replicas"] for pl in out} == {"a": 4, "b": 2, "c": 4}
    assert d["split"]["replicas"] == {"a": 4, "b": 2, "c": 4}
    assert all(pl.manifests[0].object["kind"] == "Deployment" for pl in out)
    assert pls[0].manifests[0].object["spec"]["replicas"] == 3  # the input is untouched

    dyn = {"name": "split", "type": "replica-split", "properties": {"by": "capacity"}}  # the scaler's 3
    a = app([TOPO, dyn], comps)
    pls = render_step(a, ["all", "split"], FLEET, revision="v1")
    nodes = {"a": [node("a", "n", 2000, 64)], "b": [node("b", "n", 4000, 64)], "c": []}
    out, d = schedule(a, ["all", "split"], pls, nodes=nodes, fleet=FLEET, revision="v1")
    assert d["split"]["replicas"] == {"a": 1, "b": 2, "c": 0}
    assert "by room (replicas that fit: a=2, b=4, c=0)" in d["split"]["summary"]


@pytest.mark.parametrize(("policy", "field"), [
    ({"type": "placement", "properties": {"clusters": 0}}, "spec.policies[1].properties.clusters"),
    ({"type": "placement", "properties": {"resources": {"disk": "1Gi"}}}, "spec.policies[1].properties.resources"),
    ({"type": "placement", "properties": {"spread": True}}, "spec.policies[1].properties.spread"),
    ({"type": "replica-split", "properties": {}}, "spec.policies[1].properties.weights"),
    ({"type": "replica-split", "properties": {"weights": [{"cluster": "a"}]}},
     "spec.policies[1].properties.weights[0]"),
    ({"type": "replica-split", "properties": {"by": "capacity", "weights": []}},
     "spec.policies[1].properties.weights"),
    ({"type": "replica-split", "properties": {"by": "luck", "weights": []}}, "spec.policies[1].properties.by"),
])
def test_extension_policies_refused_with_the_field(policy, field):
    with pytest.raises(AppInvalid) as exc:
        app([TOPO, {"name": "p", **policy}])
    assert field in [p.field for p in exc.value.problems]


def test_deploy_batches_validated():
    with pytest.raises(AppInvalid) as exc:
        app([TOPO], steps=[{"name": "go", "type": "deploy",
                            "properties": {"policies": ["all"], "batches": {"size": 0}}}])
    assert [p.field for p in exc.value.problems] == ["spec.workflow.steps[0].properties.batches.size"]
    ok = app([TOPO], steps=[{"name": "go", "type": "deploy",
                             "properties": {"policies": ["all"], "batches": {"size": 2, "pauseAfterFirst": True}}}])
    assert ok.workflow_steps()[0].properties["batches"]["size"] == 2


async def test_run_waves_gate_deadline_and_no_health_check():
    from fleettui.engine.placement.batched import run_waves
    from fleettui.engine.render import Placement
    from fleettui.engine.workflow import DeployOutcome

    pls = [Placement(c, (), ()) for c in C6]
    healthy = {"a", "b"}
    calls: list[tuple[list[str], bool]] = []

    async def deploy(wave, wait):
        calls.append(([p.cluster for p in wave], wait))
        if not wait or all(p.cluster in healthy for p in wave):
            return DeployOutcome(done=True)
        return DeployOutcome(message="waiting for healthy: c/Deployment web: ImagePullBackOff")

    async def started(clusters):
        return 100.0

    b = waves.parse({"size": 2, "pauseAfterFirst": True, "progressDeadline": "60s"})
    out = await run_waves(deploy, pls, b, {}, gate_passed=False, wave_started=started, now=120.0)
    assert out.suspend and out.message == "wave 1/3 (a, b) is healthy; resume to deploy wave 2/3 (c, d)"
    assert calls == [(["a", "b"], True)]
    out = await run_waves(deploy, pls, b, {}, gate_passed=True, wave_started=started, now=120.0)
    assert not out.failed and out.message == ("wave 2/3 (c, d): waiting for healthy: "
                                              "c/Deployment web: ImagePullBackOff")
    out = await run_waves(deploy, pls, b, {}, gate_passed=True, wave_started=started, now=161.0)
    assert out.failed and out.reason == "WaveUnhealthy"
    assert out.message == ("wave 2/3 (c, d) not healthy 61s after it was applied (progressDeadline 60s): "
                           "c/Deployment web: ImagePullBackOff; wave(s) 3-3 not deployed")
    calls.clear()
    out = await run_waves(deploy, pls, waves.parse({"size": 4, "healthCheck": False}), {}, gate_passed=False,
                          wave_started=started, now=0.0)
    assert out.done and calls == [(["a", "b", "c", "d"], False), (["e", "f"], False)]


REGIONS = [MemberCluster("hz-a", {"region": "cn-hangzhou"}), MemberCluster("hz-b", {"region": "cn-hangzhou"}),
           MemberCluster("sh-a", {"region": "cn-shanghai"}), MemberCluster("us-a", {"region": "us-west-2"}),
           MemberCluster("edge", {})]


def test_placement_spread_covers_min_groups_before_the_most_room():
    spread = {"name": "room", "type": "placement",
              "properties": {"clusters": 3, "spread": {"byLabel": "region", "minGroups": 2, "maxGroups": 2}}}
    a = app([TOPO, spread])
    pls = render_step(a, ["all", "room"], REGIONS, revision="v1")
    nodes = {"hz-a": [node("hz-a", "n", 16000, 64)], "hz-b": [node("hz-b", "n", 12000, 64)],
             "sh-a": [node("sh-a", "n", 5000, 64)], "us-a": [node("us-a", "n", 4000, 64)],
             "edge": [node("edge", "n", 64000, 64)]}
    kept, decisions = schedule(a, ["all", "room"], pls, nodes=nodes, fleet=REGIONS, revision="v1")
    # the two regions with the most room; hangzhou's best, then shanghai's, then hangzhou's second;
    # us-west-2 is past maxGroups, edge has no region label
    assert [pl.cluster for pl in kept] == ["hz-a", "hz-b", "sh-a"]
    d = decisions["room"]
    assert d["clusters"] == ["hz-a", "sh-a", "hz-b"]
    assert "across 2 region group(s) (cn-hangzhou, cn-shanghai)" in d["summary"]
    why = {r.split(":")[0]: r for r in d["reasons"]}
    assert "not chosen: region=us-west-2 is past maxGroups 2" in why["us-a"]
    assert "not chosen: no region label, in no group" in why["edge"]
    # without spread, the most room wins whatever the region
    plain = app([TOPO, {"name": "room", "type": "placement", "properties": {"clusters": 2}}])
    kept, _ = schedule(plain, ["all", "room"], render_step(plain, ["all", "room"], REGIONS, revision="v1"),
                       nodes=nodes, fleet=REGIONS, revision="v1")
    assert [pl.cluster for pl in kept] == ["hz-a", "edge"]


def test_placement_spread_fails_naming_the_groups_when_too_few_have_room():
    spread = {"name": "room", "type": "placement", "properties": {"spread": {"byLabel": "region", "minGroups": 3}}}
    a = app([TOPO, spread])
    pls = render_step(a, ["all", "room"], REGIONS, revision="v1")
    nodes = {c.name: [node(c.name, "n", 8000, 64)] for c in REGIONS} | {"us-a": [node("us-a", "n", 1000, 64)]}
    with pytest.raises(RenderError) as exc:
        schedule(a, ["all", "room"], pls, nodes=nodes, fleet=REGIONS, revision="v1")
    assert exc.value.field == "policy room.properties.spread"
    assert "fewer than 3 region group(s) have a cluster with room for 2 pod(s)" in str(exc.value)
    assert "us-a: not chosen: needs room for 2 pod(s)" in str(exc.value)


@pytest.mark.parametrize(("spread", "field"), [
    ({"minGroups": 2}, "spread.byLabel"),
    ({"byLabel": "region", "minGroups": 0}, "spread.minGroups"),
    ({"byLabel": "region", "minGroups": 3, "maxGroups": 2}, "spread.maxGroups"),
    ({"byLabel": "region", "minGroups": 3, "clusters": 1}, "spread.minGroups"),
    ({"byLabel": "region", "by": "zone"}, "spread.by"),
])
def test_placement_spread_refused_with_the_field(spread, field):
    props = {"spread": {k: v for k, v in spread.items() if k != "clusters"}}
    if "clusters" in spread:
        props["clusters"] = spread["clusters"]
    with pytest.raises(AppInvalid) as exc:
        app([TOPO, {"name": "p", "type": "placement", "properties": props}])
    assert [p.field for p in exc.value.problems] == [f"spec.policies[1].properties.{field}"]


def test_replica_split_spread_refuses_a_split_within_too_few_groups():
    comps = [{"name": "web", "type": "webservice", "properties": {"image": "nginx:1.27", "cpu": "1"}}]
    fleet = REGIONS[:3]  # hz-a, hz-b in cn-hangzhou; sh-a in cn-shanghai

    def split(weights):
        return {"name": "split", "type": "replica-split",
                "properties": {"replicas": 6, "weights": [{"cluster": c, "weight": w} for c, w in weights.items()],
                               "spread": {"byLabel": "region", "minGroups": 2}}}

    a = app([TOPO, split({"hz-a": 1, "hz-b": 1, "sh-a": 1})], comps)
    _, d = schedule(a, ["all", "split"], render_step(a, ["all", "split"], fleet, revision="v1"),
                    nodes={}, fleet=fleet, revision="v1")
    assert d["split"]["replicas"] == {"hz-a": 2, "hz-b": 2, "sh-a": 2}
    assert d["split"]["summary"].endswith("across 2 region group(s) (cn-hangzhou, cn-shanghai)")
    a = app([TOPO, split({"hz-a": 1, "hz-b": 1, "sh-a": 0})], comps)
    with pytest.raises(RenderError) as exc:
        schedule(a, ["all", "split"], render_step(a, ["all", "split"], fleet, revision="v1"),
                 nodes={}, fleet=fleet, revision="v1")
    assert exc.value.field == "policy split.properties.spread"
    assert "the replicas land in 1 region group(s) (cn-hangzhou=6); the spread needs at least 2" in str(exc.value)
    with pytest.raises(AppInvalid) as bad:
        app([TOPO, {"name": "s", "type": "replica-split",
                    "properties": {"weights": [{"cluster": "hz-a", "weight": 1}], "spread": {"minGroups": 2}}}], comps)
    assert [p.field for p in bad.value.problems] == ["spec.policies[1].properties.spread.byLabel"]
