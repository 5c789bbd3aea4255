"""DR applications on top of the TUI's frozen fixture fleet: KubeVela apps whose
workloads are the fixture's Deployments, spread so that some survive a cluster,
zone or region loss and some do not."""

from __future__ import annotations

from tui.fleet_fixture import FROZEN_NOW

from fleettui.store import Store
from fleettui.store.apps import AppStore

# (namespace, app, deployment, clusters)
DR_APPS = [
    ("shop", "storefront", "frontend", ["ack-hangzhou-a", "ack-hangzhou-b", "ack-shanghai-a"]),
    ("shop", "basket", "cart", ["ack-hangzhou-a", "ack-hangzhou-c"]),
    ("payments", "ledger", "ledger", ["idc-beijing"]),
]

FLEET_YAML = """\
clusters:
  ack-hangzhou-a: {prometheus: "http://prom-hz-a:9090"}
  ack-hangzhou-b: {prometheus: "http://prom-hz-b:9090"}
resilience:
  tier1: [shop/storefront, "payments/*"]
  survive: {replicas: 1}
traffic:
  - domain: shop.example.com
    pools:
      - {name: hangzhou, cluster: ack-hangzhou-a, service: shop/frontend, priority: 1, weight: 80}
      - {name: hangzhou-b, cluster: ack-hangzhou-b, service: shop/frontend, priority: 1, weight: 20}
      - {name: shanghai, cluster: ack-shanghai-a, ingress: shop/frontend, priority: 2}
"""


async def fill_dr_apps(store: Store) -> None:
    records = AppStore(store)
    for ns, app, deploy, clusters in DR_APPS:
        doc = {"apiVersion": "core.oam.dev/v1beta1", "kind": "Application",
               "metadata": {"name": app, "namespace": ns, "labels": {"tier": "1" if ns == "payments" else "2"}},
               "spec": {"components": []}}
        await records.put_app(ns, app, doc, now=FROZEN_NOW - 100)
        for cluster in clusters:
            await records.record_resources(ns, app, cluster, [
                {"api_version": "apps/v1", "kind": "Deployment", "namespace": ns, "name": deploy,
                 "component": deploy, "revision": f"{app}-v1"}], now=FROZEN_NOW - 100)
