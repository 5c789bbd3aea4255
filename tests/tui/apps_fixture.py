"""Rollouts for the fixture fleet, written through the engine's own store API
(`AppStore`), shaped like examples/canary.yaml and examples/replication.yaml:
the canary waits at its gate, the replication has one cluster that failed."""

from __future__ import annotations

from pathlib import Path

import yaml

from fleettui.store import Store
from fleettui.store.apps import AppStore
from tui.fleet_fixture import FROZEN_NOW

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _deploy(name: str, image: str = "nginx:1.27") -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": name, "image": image}]}}}}


async def fill_apps(store: Store) -> None:
    records = AppStore(store)
    now = FROZEN_NOW
    canary = yaml.safe_load((EXAMPLES / "canary.yaml").read_text())
    await records.put_app("shop", "orders-api", canary, now=now - 300)
    await records.add_revision("shop", "orders-api", 1, "orders-api-v1", "a1b2c3d4e5f6a7b8", canary, now=now - 300)
    await records.save_status("shop", "orders-api", {
        "status": "workflowSuspending",
        "latestRevision": {"name": "orders-api-v1", "revision": 1, "revisionHash": "a1b2c3d4e5f6"},
        "workflow": {"appRevision": "orders-api-v1", "suspend": True, "status": "suspending",
                     "message": "canary on ack-hangzhou-a: check it, then resume",
                     "steps": [
                         {"id": "s1", "name": "deploy-canary", "type": "deploy", "phase": "succeeded"},
                         {"id": "s2", "name": "gate", "type": "suspend", "phase": "suspending",
                          "message": "canary on ack-hangzhou-a: check it, then resume"},
                         {"id": "s3", "name": "deploy-rest", "type": "deploy", "phase": "pending"}]}},
        now=now - 240)
    await records.save_placement("shop", "orders-api", "ack-hangzhou-a", revision="orders-api-v1",
                                 step="deploy-canary", manifests=[_deploy("orders-api")], overrides=[],
                                 state="applied", message=None, now=now - 250)
    await records.record_resources("shop", "orders-api", "ack-hangzhou-a", [
        {"api_version": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "orders-api",
         "component": "orders-api", "revision": "orders-api-v1"}], now=now - 250)
    await records.set_health("shop", "orders-api", [
        ("ack-hangzhou-a", "apps/v1", "Deployment", "shop", "orders-api", True, "2/2 ready")], now=now - 245)
    await records.add_event("shop", "orders-api", "Applied", "application created", now=now - 300)
    await records.add_event("shop", "orders-api", "Suspended", "gate: canary on ack-hangzhou-a", now=now - 240)

    repl = yaml.safe_load((EXAMPLES / "replication.yaml").read_text())
    name = repl["metadata"]["name"]
    ns = repl["metadata"].get("namespace", "default")
    await records.put_app(ns, name, repl, now=now - 900)
    await records.add_revision(ns, name, 1, f"{name}-v1", "0f0f0f0f0f0f", repl, now=now - 900)
    await records.add_revision(ns, name, 2, f"{name}-v2", "1e1e1e1e1e1e", repl, now=now - 600)
    await records.mark_revision_succeeded(ns, name, 1)
    await records.save_status(ns, name, {
        "status": "runningWorkflow",
        "latestRevision": {"name": f"{name}-v2", "revision": 2, "revisionHash": "1e1e1e1e1e1e"},
        "workflow": {"appRevision": f"{name}-v2", "suspend": False, "status": "executing",
                     "message": "idc-beijing: DaemonSet platform/node-agent: 422 spec.template.spec.containers[0].image: Required value",
                     "steps": [{"id": "r1", "name": "deploy-all", "type": "deploy", "phase": "running",
                                "message": "3 of 4 clusters applied"}]}},
        now=now - 590)
    for cluster, state, msg, overrides in (
            ("ack-hangzhou-a", "applied", None, []),
            ("ack-hangzhou-b", "applied", None, [["node-agent.spec.replicas", 2, 3]]),
            ("eks-us-west-2", "applied", None, [["node-agent.spec.template.spec.containers[0].image",
                                                 "nginx:1.27", "public.ecr.aws/nginx/nginx:1.27"]]),
            ("idc-beijing", "failed", "DaemonSet platform/node-agent: 422 Invalid: spec.template.spec.containers[0].image: Required value", [])):
        await records.save_placement(ns, name, cluster, revision=f"{name}-v2", step="deploy-all",
                                     manifests=[_deploy(name)], overrides=overrides, state=state,
                                     message=msg, now=now - 595)
        if state == "applied":
            await records.record_resources(ns, name, cluster, [
                {"api_version": "apps/v1", "kind": "DaemonSet", "namespace": ns, "name": name,
                 "component": name, "revision": f"{name}-v2"}], now=now - 595)
            healthy = cluster != "ack-hangzhou-b"
            await records.set_health(ns, name, [
                (cluster, "apps/v1", "DaemonSet", ns, name, healthy,
                 "3/3 ready" if healthy else "1/3 ready: ImagePullBackOff")], now=now - 590)
    await records.add_event(ns, name, "Applied", "application configured", now=now - 600)
    await records.add_event(ns, name, "ApplyFailed", "idc-beijing: 422 Invalid", now=now - 595)
