"""Two Job applications on top of the seeded rollouts, written through the engine's own
store API: `ml/train` placed by capacity (the decision made by the engine's own pure
placement functions over a GPU node, a tainted edge, a cluster without the selector's
label and one without GPUs) with its Job running, and `ops/nightly-report` whose Job
completed on one cluster and failed on another."""

from __future__ import annotations

from fleettui.engine.placement.capacity import NodeRoom, PodNeeds, choose_clusters, cluster_room
from fleettui.store import Store
from fleettui.store.apps import AppStore
from tui.fleet_fixture import FROZEN_NOW

GI = 2**30


def _iso(t: float) -> str:
    from datetime import UTC, datetime
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _nodes(cluster: str, *, gpu: int = 0, labels: dict | None = None,
           taints: tuple = ()) -> list[NodeRoom]:
    return [NodeRoom(cluster, f"{cluster}-n{i}", 3000, 6 * GI, gpu if i == 0 else 0, labels=labels or {},
                     taints=taints) for i in range(3)]


def train_decision(revision: str) -> dict:
    need = PodNeeds(2000, 4 * GI, 1, {"accelerator": "nvidia"})
    nvidia = {"accelerator": "nvidia"}
    nodes = {"idc-beijing": _nodes("idc-beijing", gpu=2, labels=nvidia),
             "ack-hangzhou-a": _nodes("ack-hangzhou-a", labels=nvidia),
             "edge-shenzhen": _nodes("edge-shenzhen", gpu=1, labels=nvidia,
                                     taints=(("node-role.kubernetes.io/edge", "", "NoSchedule"),)),
             "eks-us-west-2": _nodes("eks-us-west-2", gpu=4)}
    candidates = list(nodes)
    rooms = {c: cluster_room(c, ns, need) for c, ns in nodes.items()}
    choice = choose_clusters(candidates, rooms, pods=1, count=1, priorities={c: 0 for c in candidates})
    return {"type": "placement", "revision": revision, "clusters": list(choice.chosen),
            "summary": f"1/1 cluster(s) with room for 1 pod(s) of {need.describe()}: " + ", ".join(choice.chosen),
            "reasons": list(choice.reasons)}


def _job(name: str, ns: str) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": ns},
            "spec": {"template": {"spec": {"restartPolicy": "Never",
                                           "containers": [{"name": name, "image": "busybox:1.36"}]}}}}


def _doc(name: str, ns: str) -> dict:
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": name, "namespace": ns},
            "spec": {"components": [{"name": name, "type": "task", "properties": {"image": "busybox:1.36"}}]}}


async def _job_app(records: AppStore, ns: str, name: str, *, phase: str, jobs: list[dict],
                   decisions: dict | None, health: dict[str, tuple[bool, str]]) -> None:
    now = FROZEN_NOW
    rev = f"{name}-v1"
    doc = _doc(name, ns)
    await records.put_app(ns, name, doc, now=now - 400)
    await records.add_revision(ns, name, 1, rev, "7a7a7a7a7a7a", doc, now=now - 400)
    status = {"status": phase, "latestRevision": {"name": rev, "revision": 1, "revisionHash": "7a7a7a7a7a7a"},
              "workflow": {"appRevision": rev, "suspend": False, "status": "executing",
                           "steps": [{"id": f"{name}-1", "name": "deploy", "type": "deploy",
                                      "phase": "succeeded" if phase == "running" else "running"}]},
              "jobs": jobs}
    if decisions:
        status["placementDecisions"] = decisions
    await records.save_status(ns, name, status, now=now - 300)
    for j in jobs:
        cluster = j["cluster"]
        await records.save_placement(ns, name, cluster, revision=rev, step="deploy",
                                     manifests=[{"component": name, "object": _job(j["name"], ns)}], overrides=[],
                                     state="applied", message=None, now=now - 390)
        await records.record_resources(ns, name, cluster, [
            {"api_version": "batch/v1", "kind": "Job", "namespace": ns, "name": j["name"], "component": name,
             "revision": rev}], now=now - 390)
        ok, msg = health[cluster]
        await records.set_health(ns, name, [(cluster, "batch/v1", "Job", ns, j["name"], ok, msg)], now=now - 60)


async def add_job_apps(store: Store) -> None:
    records = AppStore(store)
    now = FROZEN_NOW
    await _job_app(records, "ml", "train", phase="runningWorkflow", decisions={"gpu-room": train_decision("train-v1")},
                   jobs=[{"cluster": "idc-beijing", "namespace": "ml", "name": "train", "active": 1, "succeeded": 0,
                          "failed": 0, "completions": 1, "state": "Running", "startTime": _iso(now - 95)}],
                   health={"idc-beijing": (False, "Active/Failed/Succeeded:1/0/0")})
    await _job_app(records, "ops", "nightly-report", phase="workflowFailed", decisions=None, jobs=[
        {"cluster": "ack-hangzhou-a", "namespace": "ops", "name": "nightly-report", "active": 0, "succeeded": 1,
         "failed": 0, "completions": 1, "state": "Complete", "startTime": _iso(now - 400),
         "completionTime": _iso(now - 335), "durationSeconds": 65},
        {"cluster": "ack-hangzhou-b", "namespace": "ops", "name": "nightly-report", "active": 0, "succeeded": 0,
         "failed": 7, "completions": 1, "state": "Failed",
         "message": "Job has reached the specified backoff limit", "startTime": _iso(now - 400),
         "completionTime": _iso(now - 100), "durationSeconds": 300}],
        health={"ack-hangzhou-a": (True, "Active/Failed/Succeeded:0/0/1"),
                "ack-hangzhou-b": (False, "Failed: Job has reached the specified backoff limit")})
