"""The dashboard pulls usage itself: against the simulator and a real Prometheus per
cluster, the clusters pane's CPU USED shows a share of allocatable with no
`fleettui metrics sync` run, in watch mode (a pull only reads), and a cluster the
fleet file gives no Prometheus says so."""

from __future__ import annotations

import argparse
import re

import pytest
import yaml

from fleettui.cli import dashboard
from fleettui.cli.dashboard import build_app
from fleettui.sim import Simulator
from fleettui.sim.promstack import PromStack, missing_binaries
from fleettui.tui.panes.clusters import ClustersPane

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))


async def test_dashboard_pulls_usage_without_the_cli(tmp_path, monkeypatch):
    # a pull each second at a second's step: the test need not wait for a minute boundary
    monkeypatch.setattr(dashboard, "METRICS_INTERVAL", 1.0)
    monkeypatch.setattr(dashboard, "METRICS_STEP", 1.0)
    sim = Simulator(clusters=3, seed="demo")
    await sim.start()
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    a, b, c = sim.cluster_names
    try:
        kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
        fleet = tmp_path / "fleet.yaml"
        fleet.write_text(yaml.safe_dump({"clusters": {
            a: {"prometheus": stack.prometheus[a]}, b: {"prometheus": stack.prometheus[b]}, c: {}}}))
        args = argparse.Namespace(kubeconfig=str(kubeconfig), cache=str(tmp_path / "cache.db"), hub="hub",
                                  fleet=str(fleet), context=None, watch=True)
        app = build_app(args)
        app.debounce = 0.05
        assert app.watch_mode
        async with app.run_test(size=(160, 30)) as pilot:
            table = app.query_one(ClustersPane).table
            used = table.visible_columns.index("cpu_use")
            cells: dict[str, str] = {}
            for _ in range(200):
                cells = {k: table.get_row(k)[used].plain for k in table.shown_keys}
                if (all(re.match(r"\d+(\.\d+)?%", cells.get(n, "")) and not cells[n].startswith("0%")
                        for n in (a, b)) and cells.get(c) == "req only"):
                    break
                await pilot.pause(0.2)
            else:
                raise AssertionError(f"no usage pulled by the dashboard: {cells}")
            await pilot.press("6")
            await pilot.pause(0.5)
            note = str(app.query_one("#metrics-note").render())
            assert f"no Prometheus (requests only): {c}" in note
    finally:
        await stack.stop()
        await sim.stop()
    assert sim.mutations() == 0
