"""The `edge` profile: small sites in a few regions, and the links that flap."""

from __future__ import annotations

import collections
import subprocess
import sys

import pytest

from fleettui.sim import Simulator, seed
from fleettui.sim.faults import Fault


def test_edge_specs_are_small_sites_in_a_few_regions() -> None:
    specs = seed.cluster_specs("demo", 400, "edge")
    assert len({s.name for s in specs}) == 400
    assert {s.nodes for s in specs} == {1, 2}
    regions = collections.Counter(s.region for s in specs)
    assert len(regions) == 4 and min(regions.values()) == 100
    assert all(s.provider == "edge" and s.profile == "edge" for s in specs)
    # deterministic: the same fleet for the same count
    assert [s.name for s in seed.cluster_specs("demo", 400, "edge")] == [s.name for s in specs]


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        seed.cluster_specs("demo", 3, "huge")


async def test_an_edge_site_runs_about_fifteen_pods_in_a_few_deployments() -> None:
    sim = Simulator(clusters=8, profile="edge", flaky_share=0.0)
    await sim.advance(120, step=2)  # image pulls and probes, as the kubelets pace them
    for name in sim.cluster_names:
        c = sim.cluster(name)
        pods = c.list("pods")
        running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
        nodes = len(c.list("nodes"))
        assert 13 <= len(pods) <= 17, (name, len(pods))
        # the NotReady node's daemon pod aside, everything comes up
        assert len(running) >= len(pods) - 1, name
        assert 1 <= nodes <= 2
        assert len(c.list("deployments.apps", "store")) == 6
        assert len(c.list("deployments.apps")) <= 12


async def test_flaky_links_drop_and_come_back_on_the_virtual_clock() -> None:
    sim = Simulator(clusters=10, profile="edge", flaky_share=0.5, rng_seed=3)
    flaky = set(sim.links.flaky)
    assert len(flaky) == 5
    steady = sorted(set(sim.cluster_names) - flaky)
    seen_down: set[str] = set()
    came_back: set[str] = set()
    for _ in range(120):
        await sim.advance(10, step=10)
        down = {n for n in sim.cluster_names if sim.faults.get(n).down == "refuse"}
        came_back |= seen_down - down
        seen_down |= down
        assert down <= flaky
    assert seen_down == flaky and came_back == flaky
    assert not any(sim.faults.get(n).active for n in steady)


async def test_flaps_leave_a_fault_set_by_someone_else_alone() -> None:
    sim = Simulator(clusters=4, profile="edge", flaky_share=1.0)
    mine = sim.cluster_names[0]
    sim.faults.set(mine, latency=2.0)
    for _ in range(100):
        await sim.advance(10, step=10)
        assert sim.faults.get(mine) == Fault(latency=2.0)


def test_sim_command_refuses_a_share_above_one(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-m", "fleettui.cli.main", "sim", "--profile", "edge",
                          "--flaky-share", "2", "--kubeconfig", str(tmp_path / "kc")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "between 0 and 1" in out.stderr and "Traceback" not in out.stderr
