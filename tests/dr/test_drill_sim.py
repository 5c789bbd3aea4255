"""The drill: the what-if's prediction against what really happens on the simulator.

An application runs on every cluster; the prediction for a cluster-down and a
region-down case is taken from the cache, the fault is put on through the
simulator, the fleet is synced again, and the surviving replicas and endpoints
the cache then sees must be exactly the predicted ones.
"""

from __future__ import annotations

import pytest
from engine.conftest import settle

from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.dr import Domain, what_if
from fleettui.dr.load import load_inventory
from fleettui.dr.whatif import app_survival
from fleettui.sync import FleetSync
from fleettui.sync.discovery import Member


def spread_app() -> dict:
    objects = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                                        "resources": {"requests": {"cpu": "50m"}}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
        # a multi-cluster service: what the what-if's service impact is about
        {"apiVersion": "multicluster.x-k8s.io/v1alpha1", "kind": "ServiceExport", "metadata": {"name": "web"}},
    ]
    return {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"components": [{"name": "web", "type": "k8s-objects", "properties": {"objects": objects}}],
                     "policies": [{"name": "all", "type": "topology",
                                   "properties": {"clusterLabelSelector": {}}}]}}


async def _sync(store, sim, kubeconfig_path):
    members = [Member(name, name, sim.url(name)) for name in sim.cluster_names]
    fleet = FleetSync(store, members, kubeconfig=load_kubeconfig(str(kubeconfig_path)), timeout=1.0)
    return await fleet.sync_once()


def _live(inv):
    app = next(a for a in inv.apps if a.key == "shop/web")
    _desired, _before, _lost, remaining = app_survival(app, inv, None)
    endpoints = sum(e.ready for e in inv.endpoints if (e.namespace, e.service) == ("shop", "web")
                    and inv.cluster(e.cluster).reachable)
    return remaining, endpoints


@pytest.mark.parametrize("kind", ["cluster", "region"])
async def test_prediction_matches_the_simulated_failure(hub, sim, store, kubeconfig_path, kind):
    await hub.apply(spread_app())
    assert (await settle(hub, sim, "shop", "web")).phase == "running"
    await sim.advance(10, step=1.0)
    assert (await _sync(store, sim, kubeconfig_path)).ok
    inv = await load_inventory(store)
    remaining, endpoints = _live(inv)
    assert remaining == {name: 2 for name in sim.cluster_names} and endpoints == 6

    target = inv.cluster("ack-hangzhou-a")
    domain = Domain(kind, target.name if kind == "cluster" else target.region)
    prediction = what_if(inv, domain)
    web = next(a for a in prediction.apps if a.key == "shop/web")
    svc = next(s for s in prediction.services if (s.namespace, s.service) == ("shop", "web"))
    assert web.lost == 2 * len(prediction.clusters_down) and "ack-hangzhou-a" in prediction.clusters_down

    for name in prediction.clusters_down:
        sim.faults.set(name, down="refuse")
    await sim.advance(5, step=1.0)
    report = await _sync(store, sim, kubeconfig_path)
    assert sorted(r.name for r in report.failed) == list(prediction.clusters_down)
    after = await load_inventory(store)
    live_remaining, live_endpoints = _live(after)
    assert live_remaining == web.remaining
    assert live_endpoints == svc.after
    assert sorted(c.name for c in after.clusters if not c.reachable) == list(prediction.clusters_down)
