"""The metrics pane driven by key presses on the seeded fleet (metrics from
tests/tui/metrics_fixture.py), and its PromQL prompt against a real Prometheus and a
port nothing listens on. Expected figures are computed from what the fixture wrote."""

from __future__ import annotations

import csv
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from fleettui.config.fleetfile import FleetFile
from fleettui.tui.panes.metrics import MetricsPane
from tui.conftest import make_app, settle, wait_for_data
from tui.fleet_fixture import DEMO_CLUSTERS, FROZEN_NOW
from tui.metrics_fixture import usage_rows


async def _open(pilot) -> MetricsPane:
    await wait_for_data(pilot)
    await pilot.press("6")
    await settle(pilot)
    return pilot.app.query_one(MetricsPane)


def _cell(pane: MetricsPane, key: str, column: str) -> str:
    table = pane.table
    return table.get_row(key)[table.visible_columns.index(column)].plain


def _mean_cpu(cluster: str, seconds: float) -> float:
    idx, (_, *_r, nodes) = next((i, c) for i, c in enumerate(DEMO_CLUSTERS) if c[0] == cluster)
    row = next(r for r in usage_rows(idx, cluster, nodes) if r.scope == "cluster")
    pts = [v for t, v in zip(row.series.times(), row.series.column("cpu"), strict=True)
           if FROZEN_NOW - seconds < t <= FROZEN_NOW]
    return sum(pts) / len(pts)


def _cores(millicores: float) -> str:
    from fleettui.tui.renderers import fmt_cpu
    return fmt_cpu(int(round(millicores)))


async def test_range_key_changes_the_averages_and_group_key_the_rows(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _open(pilot)
        assert pane.range == "1h" and pane.group == "cluster"
        key = "ack-hangzhou-a/cluster/"
        assert _cell(pane, key, "cpu") == _cores(_mean_cpu("ack-hangzhou-a", 3600))
        await pilot.press("t")  # 6h
        await settle(pilot)
        assert pane.range == "6h" and "6h" in str(pane.query_one("#metrics-info").render())
        assert _cell(pane, key, "cpu") == _cores(_mean_cpu("ack-hangzhou-a", 6 * 3600))
        assert _cores(_mean_cpu("ack-hangzhou-a", 3600)) != _cores(_mean_cpu("ack-hangzhou-a", 6 * 3600))
        # without a Prometheus: requests only, said so
        assert _cell(pane, "idc-beijing/cluster/", "cpu") == "req only"
        seen = []
        for _ in range(5):
            await pilot.press("g")
            await settle(pilot)
            seen.append((pane.group, {k.split("/")[1] for k in pane.table.shown_keys}))
        assert seen == [("namespace", {"namespace"}), ("workload", {"workload"}), ("app", {"app"}),
                        ("node", {"node"}), ("cluster", {"cluster"})]
        # the plot follows the selected row
        await pilot.press("down")
        await pilot.pause()
        assert pane.plotted == pane.table.current_key == pane.table.shown_keys[1]


def _fixture_row(cluster: str, scope: str, name: str):
    idx, (_, *_r, nodes) = next((i, c) for i, c in enumerate(DEMO_CLUSTERS) if c[0] == cluster)
    return next(r for r in usage_rows(idx, cluster, nodes) if (r.scope, r.name) == (scope, name))


def _in_hour(row, column: str) -> list[float]:
    return [v for t, v in zip(row.series.times(), row.series.column(column), strict=True)
            if FROZEN_NOW - 3600 < t <= FROZEN_NOW and v is not None]


async def test_restarts_and_network_by_workload(fleet_cache):
    """Restarts are summed over the range, network averaged; `n/a` where a cluster's cAdvisor
    reports no network, `-` for nodes (neither series has a node label)."""
    from fleettui.tui.metrics_renderers import fmt_bps
    from tui.metrics_fixture import CRASHING, NO_NETWORK

    app = make_app(fleet_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _open(pilot)
        await pilot.press("g", "g", "s", "s")  # by workload, ranked by restarts
        await settle(pilot)
        assert (pane.group, pane.sort) == ("workload", "restarts")
        crashing = sorted(DEMO_CLUSTERS[i][0] for i in CRASHING)
        keys = [f"{c}/workload/shop/Deployment/checkout" for c in crashing]
        assert sorted(pane.table.shown_keys[:2]) == keys
        for c, key in zip(crashing, keys, strict=True):
            want = sum(_in_hour(_fixture_row(c, "workload", "shop/Deployment/checkout"), "restarts"))
            assert want > 0 and _cell(pane, key, "restarts") == f"{want:.0f}"
        assert _cell(pane, pane.table.shown_keys[2], "restarts") == "0"
        assert pane.plotted == pane.table.shown_keys[0]

        await pilot.press("s")  # network
        await settle(pilot)
        assert pane.sort == "net"
        first = pane.table.shown_keys[0]
        cluster, _, name = first.split("/", 2)[0], None, first.split("/", 2)[2]
        net = _in_hour(_fixture_row(cluster, "workload", name), "net")
        assert _cell(pane, first, "net") == fmt_bps(sum(net) / len(net))
        assert f"no network series: {NO_NETWORK}" in str(pane.query_one("#metrics-note").render())

        await pilot.press("g", "g")  # by node: neither series
        await settle(pilot)
        node = pane.table.shown_keys[0]
        assert _cell(pane, node, "restarts") == "-" and _cell(pane, node, "net") == "-"
        await pilot.press("g")  # by cluster: the one without network last among the measured
        await settle(pilot)
        assert _cell(pane, f"{NO_NETWORK}/cluster/", "net") == "n/a"
        assert _cell(pane, "idc-beijing/cluster/", "net") == "-"  # no Prometheus at all
        assert pane.table.shown_keys[-2:] == [f"{NO_NETWORK}/cluster/", "idc-beijing/cluster/"]
    assert fmt_bps(1536.0) == "1.5Ki/s" and fmt_bps(12.0) == "12B/s" and fmt_bps(20 << 20) == "20Mi/s"


async def test_cost_view_shows_capacity_at_the_placeholder_prices_and_exports_csv(fleet_cache, tmp_path):
    app = make_app(fleet_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _open(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert pane.mode == "cost"
        # by cluster over 1h: the capacity (allocatable) at the placeholder prices, which the
        # fixture kept constant: n nodes x 8 cores x 0.03 + n x 32 GiB x 0.004, for one hour
        for name, *_r, nodes in DEMO_CLUSTERS:
            if name == "edge-shenzhen":
                continue  # its series stopped 20 minutes ago: it is charged for 40 minutes
            expected = nodes * 8 * 0.03 + nodes * 32 * 0.004
            assert _cell(pane, f"{name}/", "total") == f"{expected:,.2f}", name
        assert "placeholder!" in _cell(pane, "ack-hangzhou-a/", "prices")
        out = tmp_path / "cost.csv"
        await pilot.press("x")
        await pilot.pause()
        field = app.screen.query_one("#save-path")
        field.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        with out.open() as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == len(DEMO_CLUSTERS)
        first = max(rows, key=lambda r: float(r["total"]))
        assert first["cluster"] == "idc-beijing" and float(first["total"]) == pytest.approx(6 * 8 * 0.03 + 6 * 32 * 0.004)


# -- the PromQL prompt, against a real Prometheus ------------------------------------------

needs_prometheus = pytest.mark.skipif(shutil.which("prometheus") is None,
                                      reason="prometheus not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    d = tmp_path_factory.mktemp("prom")
    (d / "prometheus.yml").write_text("global:\n  scrape_interval: 1s\n")
    port = _free_port()
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("prometheus did not become ready")
        time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def _fleet(tmp_path, up: str) -> FleetFile:
    path = tmp_path / "fleet.yaml"
    path.write_text("clusters:\n"
                    f"  ack-hangzhou-a: {{prometheus: '{up}'}}\n"
                    f"  ack-hangzhou-b: {{prometheus: 'http://127.0.0.1:{_free_port()}'}}\n")
    return FleetFile.load(path)


async def _ask(pilot, pane: MetricsPane, promql: str, *, limit: float = 20.0) -> None:
    await pilot.press("p")
    await pilot.pause()
    assert pane.prompt.has_focus
    pane.prompt.value = promql
    await pilot.press("enter")
    waited = 0.0
    while (pane._querying or waited == 0.0) and waited < limit:
        await pilot.pause(0.1)
        waited += 0.1
    await pilot.pause()


@needs_prometheus
async def test_promql_prompt_bad_query_shows_prometheus_message_and_keeps_the_text(fleet_cache, tmp_path,
                                                                                   prometheus):
    app = make_app(fleet_cache, pane_options={"fleet": _fleet(tmp_path, prometheus)})
    async with app.run_test(size=(120, 36)) as pilot:
        pane = await _open(pilot)
        await _ask(pilot, pane, "sum(rate(up[5m])")
        note = str(pane.query_one("#metrics-note").render())
        assert note.startswith("bad query:") and "unclosed left parenthesis" in note
        assert pane.prompt.value == "sum(rate(up[5m])"  # kept, to fix
        assert pane.prompt.has_class("visible") and pane.prompt.has_focus
        assert pane.mode == "top"  # nothing else replaced
        assert not [n for n in app._notifications if n.severity == "error"]
        pane._redraw()  # the dashboard's periodic refresh must not wipe the message meanwhile
        assert str(pane.query_one("#metrics-note").render()).startswith("bad query:")


@needs_prometheus
async def test_promql_prompt_merges_answers_with_a_cluster_column_and_names_the_missing(fleet_cache, tmp_path,
                                                                                       prometheus):
    app = make_app(fleet_cache, pane_options={"fleet": _fleet(tmp_path, prometheus)})
    async with app.run_test(size=(120, 36)) as pilot:
        pane = await _open(pilot)
        await _ask(pilot, pane, "vector(42)")
        assert pane.mode == "query"
        rows = [[c.plain for c in pane.table.get_row(k)] for k in pane.table.shown_keys]
        assert rows == [["ack-hangzhou-a", "{}", "42"]]
        note = str(pane.query_one("#metrics-note").render())
        assert "no answer from: ack-hangzhou-b (unreachable" in note
        assert not pane.prompt.has_class("visible") and pane.prompt.value == "vector(42)"


async def test_clusters_pane_and_cluster_screen_show_used_beside_requested(fleet_cache):
    from fleettui.tui.panes.clusters import ClustersPane

    app = make_app(fleet_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        table = app.query_one(ClustersPane).table
        cols = table.visible_columns

        def cell(cluster: str, column: str) -> str:
            return table.get_row(cluster)[cols.index(column)].plain

        idx, (name, *_r, nodes) = 0, DEMO_CLUSTERS[0]
        row = next(r for r in usage_rows(idx, name, nodes) if r.scope == "cluster")
        assert cell(name, "cpu_use").startswith(f"{100 * row.cpu_used_m / (8000 * nodes):.0f}% ")
        assert cell("idc-beijing", "cpu_use") == "req only" and cell("idc-beijing", "mem_use") == "req only"
        assert cell("edge-shenzhen", "cpu_use").endswith(" 20m")  # its Prometheus stopped answering
        app.open_cluster(name)
        await settle(pilot)
        nodes_table = app.screen.query_one("#cluster-nodes")
        node = f"{name}-node-1"
        node_row = next(r for r in usage_rows(idx, name, nodes) if r.scope == "node" and r.name == node)
        used = nodes_table.get_row(f"{name}/{node}")[nodes_table.visible_columns.index("cpu_use")].plain
        assert used.startswith(f"{100 * node_row.cpu_used_m / 8000:.0f}% ")
