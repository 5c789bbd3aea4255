"""`fleettui metrics sync|top|query`, `cost` and `fit` end to end: the simulator, a real
Prometheus per cluster, the real command; one Prometheus down is named on stderr, a bad
query is Prometheus' own message with exit 1."""

from __future__ import annotations

import asyncio
import json

import pytest
import yaml

from fleettui.cli.main import main
from fleettui.sim import Simulator
from fleettui.sim.promstack import PromStack, missing_binaries

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))


async def _cli(capsys, *argv):
    rc = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.mark.slow
async def test_metrics_cost_fit_commands(tmp_path, capsys):
    sim = Simulator(clusters=3, seed="demo")
    await sim.start()
    stack = PromStack(sim, scrape_interval=1.0)
    await stack.start()
    a, b, c = sim.cluster_names
    try:
        await sim.advance(25)
        kubeconfig = sim.write_kubeconfig(tmp_path / "kubeconfig")
        fleet = tmp_path / "fleet.yaml"
        fleet.write_text(yaml.safe_dump({"clusters": {
            a: {"prometheus": stack.prometheus[a], "cost": {"cpu_core_hour": 0.04, "memory_gib_hour": 0.005}},
            b: {"prometheus": stack.prometheus[b]},
            c: {}}}))  # c has no Prometheus: requests only
        common = ["--kubeconfig", str(kubeconfig), "--fleet", str(fleet), "--cache", str(tmp_path / "c.db")]
        rc, out, err = await _cli(capsys, "sync", "--once", *common)
        assert rc == 0, err
        await asyncio.sleep(3)
        rc, out, err = await _cli(capsys, "metrics", "sync", "--once", "--step", "1", *common)
        assert rc == 0, err
        assert f"{a}: usage pulled" in out and f"{c}: no Prometheus: requests only" in out

        rc, out, err = await _cli(capsys, "cost", "--by", "namespace", "--range", "1h", "-o", "json", *common)
        assert rc == 0, err
        doc = json.loads(out)
        sources = {i["cluster"]: i["price_source"] for i in doc["items"]}
        assert sources[a] == "cluster+placeholder" and sources[c] == "placeholder"
        assert any(i["name"] == "__idle__" for i in doc["items"]) and doc["total"] > 0
        rc, out, err = await _cli(capsys, "cost", "-o", "csv", *common)
        assert rc == 0 and out.splitlines()[0].startswith("cluster,name,cpu_core_hours")

        rc, out, err = await _cli(capsys, "fit", "--cpu", "500m", "--memory", "1Gi", "--replicas", "3",
                                  "-o", "json", *common)
        assert rc == 0, err
        assert {i["cluster"] for i in json.loads(out)["items"]} == {a, b, c}

        # b's Prometheus dies: top still answers for a, b is named
        proc = stack.children[b].proc
        proc.kill()
        proc.wait(10)
        rc, out, err = await _cli(capsys, "metrics", "top", "--by", "namespace", "--range", "15m",
                                  "-o", "json", *common)
        assert rc == 0, err
        doc = json.loads(out)
        assert doc["missing"] == [b] and f"fleettui: no answer from {b}" in err
        assert {i["cluster"] for i in doc["items"]} == {a}

        rc, out, err = await _cli(capsys, "metrics", "query", "sum(rate(up[5m])", *common)
        assert rc == 1 and err.startswith("fleettui: bad query:") and "unclosed left parenthesis" in err

        rc, out, err = await _cli(capsys, "metrics", "query", "count(up)", "--range", "1m", "--step", "5",
                                  "-o", "json", *common)
        assert rc == 0 and [i["cluster"] for i in json.loads(out)["items"]] == [a]
    finally:
        await stack.stop()
        await sim.stop()
