"""Everything the global view and the cost view read from the cache, in one read.

The dashboard's metrics pane and `fleettui cost` both start here, so a figure on
screen and the same figure from the CLI cannot disagree. `load` is the only part
that touches the store; `cost_report` and `top_usage` are pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import orjson

from fleettui.config.fleetfile import FleetFile
from fleettui.metrics import cost
from fleettui.store import Store, inventory_rows
from fleettui.store.metrics import MetricSource, MetricsStore, UsageRow

INSTANCE_TYPE = "node.kubernetes.io/instance-type"
# the cache keeps these scopes (workloads are not pulled: `fleettui metrics top --by workload` asks live)
SCOPES = ("cluster", "namespace", "workload", "app", "node")


@dataclass(frozen=True)
class MetricsView:
    usage: Mapping[str, list[UsageRow]] = field(default_factory=dict)  # by scope
    sources: Mapping[str, MetricSource] = field(default_factory=dict)
    places: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)  # (provider, region)
    node_types: Mapping[str, Counter[str]] = field(default_factory=dict)

    def rows(self, scope: str) -> list[UsageRow]:
        return list(self.usage.get(scope, []))


async def load(store: Store, scopes: tuple[str, ...] = SCOPES) -> MetricsView:
    ms = MetricsStore(store)
    usage = {s: await ms.usage(s) for s in scopes}
    places = {r[0]: (r[1], r[2]) for r in await inventory_rows.cluster_places(store)}
    types: dict[str, Counter[str]] = {}
    for cluster, _name, _ready, _cpu, _mem, data in await inventory_rows.nodes(store):
        t = (orjson.loads(data or "{}").get("labels") or {}).get(INSTANCE_TYPE)
        if t:
            types.setdefault(cluster, Counter())[t] += 1
    return MetricsView(usage, await ms.sources(), places, types)


def rates(view: MetricsView, fleet: FleetFile | None) -> dict[str, cost.Rate]:
    out = {}
    for r in view.rows("cluster"):
        provider, region = view.places.get(r.cluster, (None, None))
        out[r.cluster] = cost.resolve_rate(r.cluster, provider=provider, region=region,
                                           node_types=view.node_types.get(r.cluster, {}), fleet=fleet)
    return out


def cost_report(view: MetricsView, fleet: FleetFile | None, by: str, *, start: float, end: float,
                buckets: int = 24) -> cost.CostReport:
    scopes = ["cluster", "namespace"] + (["app"] if by == "app" else [])
    return cost.report(by, {s: view.rows(s) for s in scopes}, rates(view, fleet), start=start, end=end,
                       buckets=buckets)
