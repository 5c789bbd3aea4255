"""The Simulator: many SimClusters plus a hub behind one aiohttp server, on one virtual clock."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
from pathlib import Path
from typing import Any

from aiohttp import web

from fleettui.sim import controllers
from fleettui.sim import seed as seeding
from fleettui.sim.clock import VirtualClock
from fleettui.sim.cluster import SimCluster
from fleettui.sim.faults import FaultTable, RequestLog
from fleettui.sim.gateway import GATEWAY_TYPE, Gateway
from fleettui.sim.links import LinkFlaps
from fleettui.sim.mcs import MCSController
from fleettui.sim.ocm import RegistrationController, joining_specs
from fleettui.sim.placement import PlacementController
from fleettui.sim.seed_mcs import populate_clusterset
from fleettui.sim.server import ClusterServer, build_app

HUB = "hub"
DEFAULT_VERSION = "v1.31.4"
SEEDS = ("demo", "empty")
# which contexts the kubeconfig has: every member and the hub, or (as on a jump host
# that reaches members only through the hub's Cluster Gateway) the hub alone
ACCESS = ("all", "hub-only")


class Simulator:
    """A fleet of simulated clusters served over the Kubernetes REST API (see package docs)."""

    def __init__(self, clusters: int = 8, seed: str = "demo", clock_speed: float = 1.0,
                 rng_seed: int | None = 0, *, history: int = 500, joining: int = 0, profile: str = "standard",
                 flaky_share: float | None = None) -> None:
        """`profile="edge"`: small sites (seed_edge.py) whose links flap: `flaky_share`
        of them (default 5% for edge, none otherwise) drop off now and then (links.py)."""
        if seed not in SEEDS:
            raise ValueError(f"unknown seed {seed!r} (expected one of {', '.join(SEEDS)})")
        if clusters < 0 or joining < 0:
            raise ValueError("clusters and joining must be >= 0")
        self.seed = seed
        self.clock = VirtualClock(speed=clock_speed)
        self.rng = random.Random(rng_seed)
        self.profile = profile
        self.specs = seeding.cluster_specs(seed, clusters, profile)
        # Joining members run (an agent dialled out from each) but are not yet accepted on the
        # hub: no kubeconfig context, reached only through the hub's gateway once accepted.
        self.joining_specs = joining_specs(self.specs, joining)
        self.joining = [s.name for s in self.joining_specs]
        self._clusters: dict[str, SimCluster] = {}
        for spec in [*self.specs, *self.joining_specs]:
            if spec.name == HUB or spec.name in self._clusters:
                raise ValueError(f"duplicate or reserved cluster name {spec.name!r}")
            rng = random.Random(self.rng.getrandbits(64))
            c = SimCluster(spec.name, self.clock, history=history, rng=rng)
            c.version = spec.version or DEFAULT_VERSION
            self._clusters[spec.name] = c
            seeding.populate(c, spec, seed=seed, rng=rng)
        # the demo's multi-cluster services live in the standard profile's namespaces
        populate_clusterset(list(self._clusters.values()), seed=seed if profile == "standard" else "empty")
        self.hub = SimCluster(HUB, self.clock, history=history, rng=random.Random(self.rng.getrandbits(64)))
        self.hub.version = DEFAULT_VERSION
        self.faults = FaultTable(lambda name: name in self._clusters or name == HUB)
        self.requests = RequestLog()
        share = flaky_share if flaky_share is not None else (0.05 if profile == "edge" else 0.0)
        self.links = LinkFlaps(list(self._clusters), self.faults, self.clock.now, share=share,
                               rng=random.Random(self.rng.getrandbits(64)))
        self.server = ClusterServer(self._lookup, self.faults, self.requests,
                                    versions=lambda name: self._lookup(name).version,  # type: ignore[union-attr]  # asked only for a cluster the server found
                                    rng=random.Random(self.rng.getrandbits(64)))
        # the hub runs KubeVela's cluster-gateway: ClusterGateway objects and their proxy
        self.hub.types[GATEWAY_TYPE.key] = GATEWAY_TYPE
        self.gateway = Gateway(self.hub, faults=self.faults, base_url=lambda: self.base_url,
                               served=lambda name: name in self._clusters)
        self.server.gateway = (HUB, self.gateway)
        self.manager = controllers.ControllerManager([*self._clusters.values(), self.hub], self.clock)
        # the clusterset's broker acts across clusters, so it runs beside the per-cluster managers
        self.mcs = MCSController(self._clusters, self.clock, self.faults)
        specs = {s.name: s for s in [*self.specs, *self.joining_specs]}
        self.registration = RegistrationController(self.hub, specs=specs.get, url=self.url,
                                                   placements=PlacementController(self.hub))
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._controller_task: asyncio.Task[None] | None = None

    # ----------------------------------------------------------------- access

    @property
    def cluster_names(self) -> list[str]:
        """Member clusters (not the hub, nor joining ones), in seed order."""
        return [n for n in self._clusters if n not in self.joining]

    def cluster(self, name: str) -> SimCluster:
        c = self._lookup(name)
        if c is None:
            raise KeyError(name)
        return c

    def _lookup(self, name: str) -> SimCluster | None:
        return self.hub if name == HUB else self._clusters.get(name)

    def mutations(self, cluster: str | None = None) -> int:
        """Mutating requests (POST/PUT/PATCH/DELETE) received, per cluster or in total."""
        return self.requests.mutations(cluster)

    def url(self, name: str) -> str:
        return f"{self.base_url}/clusters/{name}"

    # -------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Bind, seed the hub (it needs the members' URLs) and start the controllers."""
        if self._runner is not None:
            return self.base_url
        app = build_app(self.server, self)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound = runner.addresses[0]
        self.base_url = f"http://{host}:{bound[1]}"
        seeding.populate_hub(self.hub, self.specs, seed=self.seed, base_url=self.base_url)
        for spec in self.joining_specs:
            self.registration.register_joining(spec)
        self.registration.step()
        self._controller_task = asyncio.create_task(self._run_controllers(), name="sim-controllers")
        return self.base_url

    async def _run_controllers(self) -> None:
        await asyncio.gather(self.manager.run(), self.mcs.run(), self.registration.run(), self._run_links())

    async def _run_links(self) -> None:
        if not self.links.flaky:
            return
        while True:
            self.links.step()
            await asyncio.sleep(1.0)

    async def stop(self) -> None:
        if self._controller_task is not None:
            self._controller_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._controller_task
            self._controller_task = None
        self.server.watches.close_all()
        if self._runner is not None:
            await asyncio.sleep(0)
            await self._runner.cleanup()
            self._runner = None

    async def advance(self, seconds: float, step: float = 1.0) -> None:
        """Move the clock `seconds` forward in `step`s, reconciling after each (tests)."""
        if step <= 0:
            raise ValueError("step must be > 0")
        remaining = seconds
        while remaining > 1e-9:
            dt = min(step, remaining)
            self.clock.advance(dt)
            self.manager.step()
            self.mcs.step()
            self.registration.step()
            self.links.step()
            remaining -= dt
            await asyncio.sleep(0)  # let watch streams flush what changed

    # ------------------------------------------------------------- kubeconfig

    def gateway_url(self, name: str) -> str:
        """A member's API as reached through the hub's Cluster Gateway proxy."""
        return f"{self.url(HUB)}/apis/cluster.core.oam.dev/v1alpha1/clustergateways/{name}/proxy"

    def kubeconfig(self, *, user: str = "fleettui-sim", token: str = "fleettui-sim-token",
                   access: str = "all") -> dict[str, Any]:
        if not self.base_url:
            raise RuntimeError("start() the simulator before writing its kubeconfig")
        if access not in ACCESS:
            raise ValueError(f"access must be one of {', '.join(ACCESS)}")
        names = [*self.cluster_names, HUB] if access == "all" else [HUB]
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": n, "cluster": {"server": self.url(n)}} for n in names],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": n, "context": {"cluster": n, "user": user}} for n in names],
            "current-context": names[0],
        }

    def write_kubeconfig(self, path: str | os.PathLike[str], *, access: str = "all") -> Path:
        """Write the kubeconfig (JSON, which is YAML) with mode 0600; returns the path.
        `access="hub-only"`: only the hub's context (members through its gateway)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(self.kubeconfig(access=access), fh, indent=2)
            fh.write("\n")
        os.replace(tmp, p)
        return p

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
