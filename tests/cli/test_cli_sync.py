"""`fleettui sync --once` against the simulator: a table per cluster, non-zero exit
naming the clusters that failed; then `fleettui clusters` shows them from the cache."""

from __future__ import annotations

import asyncio
import json

from fleettui.cli.main import main


async def _cli(capsys, *argv):
    # the CLI runs its own event loop; the simulator keeps serving from this one
    rc = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


async def test_sync_once_prints_a_table_and_names_failed_clusters(sim, kubeconfig_path, tmp_path, capsys):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("hub: hub\n")
    cache = tmp_path / "cache.db"
    common = ["--kubeconfig", str(kubeconfig_path), "--fleet", str(fleet), "--cache", str(cache)]
    rc, out, err = await _cli(capsys, "sync", "--once", *common)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["CLUSTER", "STATUS", "VERSION", "NODES", "OBJECTS", "LATENCY", "TIME", "ERROR"]
    assert [ln.split()[0] for ln in lines[1:]] == sim.cluster_names  # the hub is not a member
    assert all(ln.split()[1] == "ok" for ln in lines[1:])
    assert "0 failed" in err

    victim = sim.cluster_names[1]
    sim.faults.set(victim, down="refuse")
    rc, out, err = await _cli(capsys, "sync", "--once", "-o", "json", *common)
    assert rc == 1
    assert f"sync failed for 1 cluster(s): {victim} (unreachable" in err
    items = {i["name"]: i for i in json.loads(out)["items"]}
    assert items[victim]["status"] == "unreachable" and items[victim]["objects"] == 0
    assert all(items[n]["status"] == "ok" for n in sim.cluster_names if n != victim)

    rc, out, err = await _cli(capsys, "clusters", "-o", "json", "--cache", str(cache))
    assert rc == 0, err
    rows = {i["name"]: i for i in json.loads(out)["items"]}
    assert rows[victim]["reachable"] is False and rows[victim]["stale"] is True
    assert rows[victim]["nodes_total"] > 0  # kept from the first sync
    assert rows[victim]["registration"]  # the hub's ManagedCluster / KubeVela registration


async def test_sync_once_with_a_context_glob_syncs_only_those(sim, kubeconfig_path, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no fleet file there
    first = sim.cluster_names[0]
    rc, out, err = await _cli(capsys, "sync", "--once", "--kubeconfig", str(kubeconfig_path),
                              "--cache", str(tmp_path / "c.db"), "--fleet", str(tmp_path / "none.yaml"),
                              "--context", first)
    # an explicit --fleet that does not exist is the user's mistake, said plainly
    assert rc == 1 and "fleet file does not exist" in err
    rc, out, err = await _cli(capsys, "sync", "--once", "--kubeconfig", str(kubeconfig_path),
                              "--cache", str(tmp_path / "c.db"), "--context", first)
    assert rc == 0, err
    assert [ln.split()[0] for ln in out.splitlines()[1:]] == [first]


async def test_sync_without_a_fleet_file_leaves_the_hub_out(sim, kubeconfig_path, tmp_path, capsys,
                                                             monkeypatch):
    """Without a fleet file the `hub` context is the hub for `sync` as for `app`: not a row."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no fleet file there
    cache = tmp_path / "c.db"
    rc, out, err = await _cli(capsys, "sync", "--once", "-o", "json", "--kubeconfig",
                              str(kubeconfig_path), "--cache", str(cache))
    assert rc == 0, err
    assert [i["name"] for i in json.loads(out)["items"]] == sim.cluster_names
    rc, out, err = await _cli(capsys, "clusters", "-o", "json", "--cache", str(cache))
    assert rc == 0, err
    assert sorted(i["name"] for i in json.loads(out)["items"]) == sorted(sim.cluster_names)
