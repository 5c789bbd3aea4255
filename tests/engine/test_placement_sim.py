"""The placement extensions end to end on a six-cluster simulator: a batched rollout
stops at its unhealthy wave, a gate after the first wave waits for resume, a task
lands on the cluster with room, replicas are split by weights."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from engine.conftest import settle
from fleettui.cli.commands.app_placement import job_rows, print_placement
from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.sim import Simulator
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member

ORDER = ["ack-hangzhou-a", "ack-shanghai-a", "idc-beijing", "eks-us-west-2", "edge-shenzhen", "ack-hangzhou-b"]


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    s = Simulator(clusters=6, seed="demo", clock_speed=1.0, rng_seed=0)
    s.clock.freeze()
    await s.start(host="127.0.0.1", port=0)
    try:
        yield s
    finally:
        await s.stop()


def web_app(batches: dict | None = None, policies: list | None = None, *, replicas: int = 1) -> dict:
    deploy = {"policies": ["fleet", *(p["name"] for p in policies or [])]}
    if batches is not None:
        deploy["batches"] = batches
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"components": [{"name": "web", "type": "webservice",
                                     "properties": {"image": "nginx:1.27", "cpu": "50m"},
                                     "traits": [{"type": "scaler", "properties": {"replicas": replicas}}]}],
                     "policies": [{"name": "fleet", "type": "topology", "properties": {"clusters": ORDER}},
                                  *(policies or [])],
                     "workflow": {"steps": [{"name": "rollout", "type": "deploy", "properties": deploy}]}}}


def has_web(sim, cluster: str) -> bool:
    return sim.cluster(cluster).get("deployments.apps", "shop", "web") is not None


async def test_batched_rollout_stops_at_the_unhealthy_wave(hub, sim):
    await hub.apply(web_app({"size": 2, "order": {"clusters": ORDER}, "progressDeadline": "40s"}))
    # run until wave 2 is applied, then break its image there (a mirror that lacks the tag)
    for _ in range(30):
        await hub.engine.reconcile("shop", "web")
        if has_web(sim, "idc-beijing") and has_web(sim, "eks-us-west-2"):
            break
        assert not has_web(sim, "idc-beijing")  # nothing of wave 2 before wave 1 is healthy
        await sim.advance(2, step=1.0)
    assert not any(has_web(sim, c) for c in ORDER[4:])
    for cluster in ORDER[2:4]:
        obj = sim.cluster(cluster).get("deployments.apps", "shop", "web")
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:broken"
        sim.cluster(cluster).update("deployments.apps", obj)

    result = await settle(hub, sim, "shop", "web", passes=40)
    assert result.phase == "workflowFailed"
    status = (await hub.get("shop", "web"))["status"]
    step = status["workflow"]["steps"][0]
    assert step["phase"] == "failed" and step["reason"] == "WaveUnhealthy"
    assert step["message"].startswith("wave 2/3 (idc-beijing, eks-us-west-2) not healthy")
    assert "ImagePullBackOff" in step["message"] or "ErrImagePull" in step["message"]
    assert step["message"].endswith("wave(s) 3-3 not deployed")
    assert not any(has_web(sim, c) for c in ORDER[4:])  # wave 3 never got it
    assert all(has_web(sim, c) for c in ORDER[:4])


async def test_gate_after_the_first_wave_waits_for_resume(hub, sim):
    await hub.apply(web_app({"size": [0.34], "order": {"clusters": ORDER}, "pauseAfterFirst": True}))
    result = await settle(hub, sim, "shop", "web")
    assert result.phase == "workflowSuspending"
    step = (await hub.get("shop", "web"))["status"]["workflow"]["steps"][0]
    assert step["phase"] == "suspending"
    assert step["message"] == ("wave 1/2 (ack-hangzhou-a, ack-shanghai-a, idc-beijing) is healthy; "
                               "resume to deploy wave 2/2 (eks-us-west-2, edge-shenzhen, ack-hangzhou-b)")
    assert [has_web(sim, c) for c in ORDER] == [True] * 3 + [False] * 3
    await hub.resume("shop", "web")
    result = await settle(hub, sim, "shop", "web", passes=40)
    assert result.phase == "running"
    assert all(has_web(sim, c) for c in ORDER)
    step = (await hub.get("shop", "web"))["status"]["workflow"]["steps"][0]
    assert step["phase"] == "succeeded" and step["message"] == "2 wave(s) deployed and healthy"


async def _sync(store, sim, kubeconfig_path) -> None:
    members = [Member(name, name, sim.url(name)) for name in sim.cluster_names]
    report = await FleetSync(store, members, kubeconfig=load_kubeconfig(str(kubeconfig_path)),
                             timeout=2.0).sync_once()
    assert report.ok


async def test_task_lands_on_the_cluster_with_room(hub, sim, store, kubeconfig_path, capsys):
    # one node of idc-beijing carries two GPUs, and a taint that keeps other pods off it
    idc = sim.cluster("idc-beijing")
    gpu_node = idc.list("nodes")[2]
    gpu_node["spec"]["taints"] = [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}]
    idc.update("nodes", gpu_node)
    idc.set_status("nodes", None, gpu_node["metadata"]["name"],
                   {**gpu_node["status"], "allocatable": {**gpu_node["status"]["allocatable"], "nvidia.com/gpu": "2"}})
    await _sync(store, sim, kubeconfig_path)
    gpu = {"type": "json-patch", "properties": {"operations": [
        {"op": "add", "path": "/spec/template/spec/containers/0/resources/limits", "value": {"nvidia.com/gpu": "1"}},
        {"op": "add", "path": "/spec/template/spec/tolerations",
         "value": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]}]}}
    doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
           "metadata": {"name": "train", "namespace": "ml"},
           "spec": {"components": [{"name": "train", "type": "task", "traits": [gpu],
                                    "properties": {"image": "busybox:1.36", "cpu": "100m", "memory": "128Mi"}}],
                    "policies": [{"type": "topology", "properties": {"clusterLabelSelector": {}}},
                                 {"name": "room", "type": "placement", "properties": {"clusters": 1}}]}}
    res = await hub.apply(doc)
    # the plan says where and why
    placed = [e for e in res.plan if e.objects]
    assert [e.cluster for e in placed] == ["idc-beijing"]
    assert placed[0].placement[0].startswith("chosen; room for 2 pod(s) on 5/5 node(s)")
    assert ", 2 gpu)" in placed[0].placement[0]
    skipped = {e.cluster: e.placement[0] for e in res.plan if not e.objects}
    assert sorted(skipped) == sorted(c for c in sim.cluster_names if c != "idc-beijing")
    assert all("insufficient nvidia.com/gpu" in why for why in skipped.values()), skipped

    result = await settle(hub, sim, "ml", "train", passes=40)
    assert result.phase == "running"
    jobs = {c: sim.cluster(c).get("jobs.batch", "ml", "train-train") for c in sim.cluster_names}
    assert [c for c, j in jobs.items() if j is not None] == ["idc-beijing"]
    status = (await hub.get("ml", "train"))["status"]
    decision = status["placementDecisions"]["room"]
    assert decision["clusters"] == ["idc-beijing"]
    assert decision["reasons"][0].startswith("idc-beijing: chosen")
    # the Job's progress per cluster, as `app status` prints it
    [job] = status["jobs"]
    assert (job["cluster"], job["name"], job["active"], job["succeeded"], job["failed"]) == \
        ("idc-beijing", "train-train", 0, 1, 0)
    assert job["durationSeconds"] >= 0
    print_placement(status)
    out = capsys.readouterr().out
    assert "Placement (placement room): 1/1 cluster(s) with room for 1 pod(s) of 100m cpu, 128Mi memory, 1 gpu: " \
           "idc-beijing" in out
    assert "Jobs:" in out and "idc-beijing" in out.split("Jobs:")[1]


async def test_split_ten_replicas_by_weights(hub, sim):
    split = {"name": "split", "type": "replica-split",
             "properties": {"replicas": 10, "weights": [{"cluster": c, "weight": w} for c, w in
                                                        zip(ORDER[:3], (2, 1, 2), strict=True)]}}
    doc = web_app(policies=[split])
    doc["spec"]["policies"][0]["properties"]["clusters"] = ORDER[:3]
    res = await hub.apply(doc)
    assert {e.cluster: e.placement for e in res.plan} == {
        "ack-hangzhou-a": ("4 replica(s)",), "ack-shanghai-a": ("2 replica(s)",), "idc-beijing": ("4 replica(s)",)}
    result = await settle(hub, sim, "shop", "web", passes=40)
    assert result.phase == "running"
    got = {c: sim.cluster(c).get("deployments.apps", "shop", "web")["spec"]["replicas"] for c in ORDER[:3]}
    assert got == {"ack-hangzhou-a": 4, "ack-shanghai-a": 2, "idc-beijing": 4}


def test_job_rows_show_progress_and_duration():
    status = {"jobs": [
        {"cluster": "a", "namespace": "ml", "name": "t", "active": 0, "succeeded": 2, "failed": 1,
         "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:01:05Z", "durationSeconds": 65},
        {"cluster": "b", "namespace": "ml", "name": "t", "active": 2, "succeeded": 0, "failed": 0,
         "startTime": "2026-01-01T00:00:00Z"},
        {"cluster": "c", "namespace": "ml", "name": "t", "active": 0, "succeeded": 0, "failed": 0}]}
    rows = job_rows(status, now=lambda: 1767225600.0 + 7300)
    assert [(r["cluster"], r["active"], r["succeeded"], r["failed"], r["duration"]) for r in rows] == [
        ("a", 0, 2, 1, "1m05s"), ("b", 2, 0, 0, "2h01m (running)"), ("c", 0, 0, 0, "-")]


async def test_placement_spreads_over_regions(hub, sim, store, kubeconfig_path):
    await _sync(store, sim, kubeconfig_path)
    region = {m["metadata"]["name"]: m["metadata"]["labels"]["region"]
              for m in sim.cluster("hub").list("managedclusters.cluster.open-cluster-management.io")}
    spread = {"name": "room", "type": "placement",
              "properties": {"clusters": 2, "spread": {"byLabel": "region", "minGroups": 2}}}
    res = await hub.apply(web_app(policies=[spread]))
    placed = sorted(e.cluster for e in res.plan if e.objects)
    assert len(placed) == 2 and len({region[c] for c in placed}) == 2, (placed, region)
    result = await settle(hub, sim, "shop", "web", passes=40)
    assert result.phase == "running"
    assert sorted(c for c in ORDER if has_web(sim, c)) == placed
    decision = (await hub.get("shop", "web"))["status"]["placementDecisions"]["room"]
    assert "across 2 region group(s)" in decision["summary"]
