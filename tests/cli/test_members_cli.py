"""`fleettui cluster list`: discovery through the real CLI entry point, against the simulator."""

import asyncio
import json

from fleettui.cli.main import main


async def run_cli(argv):
    # the CLI runs its own event loop: give it a thread while this loop keeps serving the simulator
    return await asyncio.to_thread(main, argv)


async def test_cluster_list_with_hub(sim, kubeconfig_path, tmp_path, capsys):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text(
        f"hub: hub\nclusters:\n  {sim.cluster_names[0]}:\n    labels: {{env: staging}}\n"
    )
    argv = ["cluster", "list", "--kubeconfig", str(kubeconfig_path), "--fleet", str(fleet)]
    assert await run_cli([*argv, "-o", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "MemberList"
    items = {i["name"]: i for i in out["items"]}
    assert list(items) == sim.cluster_names
    first = items[sim.cluster_names[0]]
    assert first["source"] == "fleet" and first["labels"]["env"] == "staging"
    assert first["registration"]["ocm"]["joined"] is True
    assert "labels_text" not in first
    assert await run_cli(argv) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["NAME", "CONTEXT", "SOURCE"]
    assert "ocm: available; vela: X509Certificate" in table[1]


async def test_cluster_list_hub_down_warns(sim, kubeconfig_path, capsys):
    sim.faults.set("hub", down="refuse")
    rc = await run_cli(
        ["cluster", "list", "--kubeconfig", str(kubeconfig_path), "--hub", "hub", "-o", "yaml"]
    )
    captured = capsys.readouterr()
    assert rc == 0
    assert "fleettui: warning: hub hub: cannot list ManagedClusters" in captured.err
    assert all(name in captured.out for name in sim.cluster_names)


async def test_cluster_list_bad_glob(sim, kubeconfig_path, capsys):
    rc = await run_cli(
        ["cluster", "list", "--kubeconfig", str(kubeconfig_path), "--context", "gke-*"]
    )
    assert rc == 1
    assert "no cluster or context matches 'gke-*'" in capsys.readouterr().err
