"""`fleettui services` and `fleettui service export|unexport|import` end to end on the simulator."""

from __future__ import annotations

import json

from cli.test_cli_sync import _cli
from fleettui.sim.mcs import EXPORTS, IMPORTS, LEASE_SECONDS


def _common(kubeconfig_path, tmp_path):
    fleet = tmp_path / "fleet.yaml"
    fleet.write_text("hub: hub\n")
    return ["--kubeconfig", str(kubeconfig_path), "--fleet", str(fleet), "--cache", str(tmp_path / "cache.db")]


async def _services(capsys, common):
    rc, out, err = await _cli(capsys, "services", "-o", "json", *common)
    assert rc == 0, err
    return {f"{i['namespace']}/{i['name']}": i for i in json.loads(out)["items"]}


async def test_services_lists_the_clusterset_with_the_conflict_winner(sim, kubeconfig_path, tmp_path, capsys):
    common = _common(kubeconfig_path, tmp_path)
    await sim.advance(20)
    await _cli(capsys, "sync", "--once", *common)
    c0, c1, c2 = sim.cluster_names
    rows = await _services(capsys, common)
    catalog = rows["shop/catalog"]
    assert (catalog["winner"], catalog["exporting"], catalog["importing"]) == (c0, [c0, c1], [c2])
    assert [(c["cluster"], c["reason"]) for c in catalog["conflicts"]] == [(c1, "PortConflict")]
    assert catalog["partial_ports"] == [{"port": "80/TCP (http)", "clusters": [c0]},
                                        {"port": "8443/TCP (grpc)", "clusters": [c1]}]
    rc, out, _ = await _cli(capsys, "services", *common)
    assert rc == 0 and "catalog.shop.svc.clusterset.local" in out and f"{c1}: conflict PortConflict" in out


async def test_export_in_two_import_in_a_third_then_endpoints_from_both(sim, kubeconfig_path, tmp_path, capsys):
    common = _common(kubeconfig_path, tmp_path)
    c0, c1, c2 = sim.cluster_names
    await sim.advance(20)
    await _cli(capsys, "sync", "--once", *common)
    rc, out, err = await _cli(capsys, "service", "export", "cart", "-n", "shop", "--cluster", c0, "--yes", *common)
    assert rc == 0, err
    assert "creates the clusterset service (ClusterSetIP) with 80/TCP (http)" in out
    assert sim.cluster(c0).get(EXPORTS, "shop", "cart") is not None
    await _cli(capsys, "sync", "--once", *common)
    rc, out, err = await _cli(capsys, "service", "import", "cart", "-n", "shop", "--cluster", c1, "--to", c2,
                              "--yes", *common)
    assert rc == 0, err
    assert f"ServiceExport shop/cart created in {c1}" in out and f"ServiceImport shop/cart created in {c2}" in out
    await sim.advance(3)
    await _cli(capsys, "sync", "--once", *common)
    cart = (await _services(capsys, common))["shop/cart"]
    assert cart["exporting"] == [c0, c1] and cart["importing"] == [c2]
    assert set(cart["ready_endpoints"]) == {c0, c1} and all(n > 0 for n in cart["ready_endpoints"].values())


async def test_the_preview_of_an_unexport_names_the_port_leaving_the_union(sim, kubeconfig_path, tmp_path, capsys):
    common = _common(kubeconfig_path, tmp_path)
    await sim.advance(20)
    await _cli(capsys, "sync", "--once", *common)
    c1 = sim.cluster_names[1]
    rc, out, err = await _cli(capsys, "service", "unexport", "catalog", "-n", "shop", "--cluster", c1, "--yes",
                              *common)
    assert rc == 0, err
    assert "removes port 8443/TCP (grpc) from the union" in out
    assert sim.cluster(c1).get(EXPORTS, "shop", "catalog") is None


async def test_read_only_refuses_export_and_import_before_sending(sim, kubeconfig_path, tmp_path, capsys):
    common = _common(kubeconfig_path, tmp_path)
    c0, c1, c2 = sim.cluster_names
    await _cli(capsys, "sync", "--once", *common)
    before = sim.mutations()
    for argv in (("export", "cart", "-n", "shop", "--cluster", c0),
                 ("import", "cart", "-n", "shop", "--cluster", c0, "--to", c2)):
        rc, out, err = await _cli(capsys, "--read-only", "service", *argv, "--yes", *common)
        assert rc == 1 and err.startswith("fleettui: refused: read-only"), err
    assert sim.mutations() == before
    assert sim.cluster(c0).get(EXPORTS, "shop", "cart") is None and sim.cluster(c2).get(IMPORTS, "shop", "cart") is None


async def test_a_cluster_down_drops_its_endpoints_in_the_listing(sim, kubeconfig_path, tmp_path, capsys):
    common = _common(kubeconfig_path, tmp_path)
    c0, c1, _ = sim.cluster_names
    await sim.advance(20)
    await _cli(capsys, "sync", "--once", *common)
    assert all((await _services(capsys, common))["payments/payments-api"]["ready_endpoints"].values())
    sim.faults.set(c0, down="refuse")
    await sim.advance(LEASE_SECONDS + 5, step=5)
    await _cli(capsys, "sync", "--once", *common)
    api = (await _services(capsys, common))["payments/payments-api"]
    assert api["ready_endpoints"][c0] == 0 and api["ready_endpoints"][c1] > 0
    assert api["exports"][0]["stale"] is True  # c0's own rows are the last known, marked


async def test_bad_input_is_one_line_not_a_traceback(sim, kubeconfig_path, tmp_path, capsys):
    common = _common(kubeconfig_path, tmp_path)
    await _cli(capsys, "sync", "--once", *common)
    c0 = sim.cluster_names[0]
    rc, _, err = await _cli(capsys, "service", "import", "cart", "-n", "shop", "--cluster", c0, "--yes", *common)
    assert rc == 1 and err.strip() == "fleettui: import needs the consumer clusters (--to C2,C3)"
    rc, _, err = await _cli(capsys, "service", "export", "cart", "-n", "shop", "--cluster", "nope", "--yes", *common)
    assert rc == 1 and "no context 'nope'" in err and "Traceback" not in err
