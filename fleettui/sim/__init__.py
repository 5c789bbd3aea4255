"""fleettui's fleet simulator: a Kubernetes-API-compatible server hosting many clusters.

A test and demo harness, not a product backend. One aiohttp server serves every member
cluster under `/clusters/<name>` and a hub cluster under `/clusters/hub`; the real
kubectl and kubernetes_asyncio work against it unchanged. See docs/simulator.md for
what is simulated and what differs from a real apiserver.

Python API::

    from fleettui.sim import Simulator
    sim = Simulator(clusters=8, seed="demo", clock_speed=1.0, rng_seed=0)  # seed: demo | empty
    base_url = await sim.start(host="127.0.0.1", port=0)
    sim.write_kubeconfig(path)        # a context per member cluster (named after it) + "hub"
    sim.cluster_names                 # member clusters in seed order (not the hub)
    sim.cluster(name)                 # SimCluster: object storage (see cluster.py); "hub" too
    sim.clock.advance(seconds)        # virtual clock (tests freeze it: sim.clock.freeze())
    await sim.advance(seconds, step=1.0)   # advance in steps, reconciling controllers after each
    sim.faults.set(name, down=None | "refuse" | "503", latency=0.0, error_rate=0.0,
                   drop_watches=False, forbidden=False)   # replaces the cluster's fault
    sim.faults.clear(name)
    sim.mutations(cluster=None) -> int     # POST/PUT/PATCH/DELETE requests received
    await sim.stop()

Admin endpoint (same server, not under /clusters)::

    GET    /_admin/clusters                 clusters, object counts, faults, open watches
    POST   /_admin/clusters/<name>/faults   {"down": "503", "latency": 2.0, "error_rate": 0.3,
                                             "drop_watches": true, "forbidden": true}
    DELETE /_admin/clusters/<name>/faults
    GET    /_admin/requests                 {"requests": {cluster: {verb: n}}, "mutations": n}
    POST   /_admin/clock/advance            {"seconds": 30}

Broken image convention: any container image whose tag is `broken` (`nginx:broken`)
never becomes ready (ImagePullBackOff).
"""

from __future__ import annotations

from fleettui.sim.cluster import SimCluster
from fleettui.sim.errors import ApiError
from fleettui.sim.simulator import HUB, Simulator

__all__ = ["HUB", "ApiError", "SimCluster", "Simulator"]
