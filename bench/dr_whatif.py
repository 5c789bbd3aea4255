"""DR what-if and resilience score over 100 clusters x 20 applications (each app on
10 clusters, 3 replicas each; 5 nodes per cluster, 4 regions, 12 zones, a tenth of
the clusters spanning 3 zones): seconds for one what-if of a region (with the
capacity fit of every lost replica) and for the whole score. Target <= 1 s each.
The analysis is pure, so the inventory is built in memory (loading it from the
cache is the store's cost, measured by sync_full)."""

from __future__ import annotations

import argparse
import random
import time

from fleettui.config.dr_policy import ResiliencePolicy
from fleettui.dr import Domain, score, what_if
from fleettui.dr.model import AppSite, ClusterSite, EndpointRow, Inventory, NodeSite, Replicas

_parser = argparse.ArgumentParser(description=__doc__)
_parser.add_argument("--clusters", type=int, default=100)
_parser.add_argument("--apps", type=int, default=20)
_args = _parser.parse_args()


def inventory(n_clusters: int, n_apps: int, rng: random.Random) -> Inventory:
    regions = ["cn-hangzhou", "cn-shanghai", "us-west-2", "eu-central-1"]
    clusters, nodes = [], []
    for i in range(n_clusters):
        region = regions[i % 4]
        zones = tuple(f"{region}-{z}" for z in "abc") if i % 10 == 0 else (f"{region}-{'abc'[i % 3]}",)
        clusters.append(ClusterSite(f"c{i:03d}", region, zones, True, f"http://prom-{i}:9090"))
        for n in range(5):
            nodes.append(NodeSite(f"c{i:03d}", f"n{n}", zones[n % len(zones)], True, True,
                                  rng.randrange(500, 8000), rng.randrange(1, 32) << 30))
    apps, endpoints = [], []
    for a in range(n_apps):
        placed = rng.sample(clusters, 10)
        workloads = tuple(Replicas(c.name, "Deployment", "bench", f"app{a}", 3,
                                   {f"n{r % 5}": 1 for r in range(3)}, 250, 256 << 20) for c in placed)
        apps.append(AppSite("bench", f"app{a}", {}, workloads))
        endpoints += [EndpointRow("bench", f"app{a}", c.name, 3, c.zones[0]) for c in placed]
    return Inventory(tuple(clusters), tuple(nodes), tuple(apps), tuple(endpoints), (),
                     ResiliencePolicy(survive_fraction=0.5))


def main() -> None:
    inv = inventory(_args.clusters, _args.apps, random.Random(0))
    t0 = time.perf_counter()
    result = what_if(inv, Domain("region", "cn-hangzhou"))
    t1 = time.perf_counter()
    s = score(inv)
    t2 = time.perf_counter()
    print(f"dr_whatif: {_args.clusters} clusters x {_args.apps} apps: what-if (region) {t1 - t0:.3f} s "
          f"({sum(a.lost for a in result.apps)} replicas lost), score {t2 - t1:.3f} s "
          f"({len(s.apps)} apps x {sum(len(inv.domains(k)) for k in s.kinds)} domains); target <= 1 s each")


if __name__ == "__main__":
    main()
