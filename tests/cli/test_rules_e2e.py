"""`fleettui rules` end to end against a real Prometheus per simulated cluster (the
harness: `fleettui sim --prometheus`, which `make test` can run)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from fleettui.cli.main import main
from fleettui.sim.promstack import missing_binaries

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

A, B, C = "ack-hangzhou-a", "idc-beijing", "edge-shenzhen"
PENDING = 'kube_pod_status_unschedulable{job="kube-state-metrics"} == 1'
PULLING = 'max_over_time(kube_pod_container_status_waiting_reason{reason=~"ErrImagePull|ImagePullBackOff"}[30s]) >= 1'


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    d = tmp_path_factory.mktemp("rules")
    kubeconfig = d / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "fleettui.cli.main", "sim", "--clusters", "3", "--prometheus",
                             "--scrape-interval", "1", "--kubeconfig", str(kubeconfig)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        words = proc.stdout.readline().split()
        assert words[:1] == ["ready"] and len(words) == 4
        stack = json.loads(Path(words[3]).read_text())
        (d / "fleet.yaml").write_text(yaml.safe_dump({"hub": "hub", "alertmanager": stack["alertmanager"],
                                                      "clusters": {n: {"prometheus": u} for n, u in
                                                                   stack["prometheus"].items()}}))
        yield {"args": ["--kubeconfig", str(kubeconfig), "--fleet", str(d / "fleet.yaml"),
                        "--cache", str(d / "cache.db")], "stack": stack, "dir": d, "kubeconfig": kubeconfig}
    finally:
        proc.terminate()
        proc.wait(15)


def rule_file(d: Path, name: str, expr: str, **extra) -> Path:
    doc = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
           "metadata": {"name": name, "namespace": "monitoring"},
           "spec": {"groups": [{"name": name, "rules": [{"alert": name, "expr": expr, "labels": {"severity": "warning"},
                                                         **extra}]}]}}
    path = d / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def run(fleet, *argv: str, capsys) -> tuple[int, str, str]:
    code = main([*argv, *fleet["args"]])
    out = capsys.readouterr()
    return code, out.out, out.err


def eventually(check, within: float = 20.0):
    deadline = time.monotonic() + within
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def rules_on(fleet, cluster: str) -> list[str]:
    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.kube import ClusterClient

    async def go() -> list[str]:
        client = ClusterClient.from_kubeconfig(load_kubeconfig(str(fleet["kubeconfig"])), context=cluster)
        try:
            res = await client.resource("monitoring.coreos.com/v1", "PrometheusRule")
            return sorted(o["metadata"]["name"] for o in (await client.list(res)).items)
        finally:
            await client.close()

    return asyncio.run(go())


def firing(fleet, alert: str) -> list[str]:
    import urllib.request

    out = []
    for cluster, url in fleet["stack"]["prometheus"].items():
        with urllib.request.urlopen(url + "/api/v1/alerts", timeout=5) as r:
            alerts = json.load(r)["data"]["alerts"]
        out += [cluster for a in alerts if a["labels"]["alertname"] == alert and a["state"] == "firing"]
    return sorted(out)


def test_invalid_expression_is_refused_with_its_position_and_nothing_is_written(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "broken", "sum(rate(up[5m])")
    code, _, err = run(fleet, "rules", "check", str(path), capsys=capsys)
    assert code == 1 and "error: [all] broken/broken: could not parse expression: 1:17: parse error: " \
        "unclosed left parenthesis" in _
    code, out, err = run(fleet, "rules", "apply", str(path), "--no-wait", capsys=capsys)
    assert code == 1 and "nothing was written to any cluster" in err
    assert "1:17: parse error: unclosed left parenthesis" in out
    assert all("broken" not in rules_on(fleet, c) for c in (A, B, C))


def test_check_preview_apply_fires_where_the_threshold_is_crossed_and_an_override_moves_it(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "pendingpods", PENDING)
    code, out, err = run(fleet, "rules", "check", str(path), capsys=capsys)
    assert code == 0, err

    def preview() -> dict[str, int]:
        code, out, err = run(fleet, "rules", "preview", str(path), "--window", "2m", "-o", "json", capsys=capsys)
        assert code == 0, err
        got = {r["cluster"]: r["would_fire"] for r in json.loads(out)["items"]}
        return got if got.get(A) else {}

    assert eventually(preview) == {A: 1, B: 0, C: 0}

    code, out, err = run(fleet, "rules", "apply", str(path), "--window", "2m", capsys=capsys)
    assert code == 0, err
    assert [line.split()[:2] for line in out.splitlines() if line.startswith(A)] == [[A, "base"]]
    assert all("pendingpods" in rules_on(fleet, c) for c in (A, B, C))
    assert eventually(lambda: firing(fleet, "pendingpods"), within=10) == [A]

    # the same rule, disabled on A and with another expression on B: it moves
    from fleettui.alerts import rulesets

    (rs,) = rulesets.load(path.read_text())
    doc = rulesets.add_override(rs.document, name="not-on-a", rule="pendingpods", field_name="", value=None,
                                clusters=[A])
    doc = rulesets.add_override(doc, name="pulls-on-b", rule="pendingpods", field_name="expr", value=PULLING,
                                clusters=[B])
    moved = fleet["dir"] / "moved.yaml"
    moved.write_text(yaml.safe_dump(doc))
    code, out, err = run(fleet, "rules", "render", str(moved), "--cluster", B, capsys=capsys)
    assert code == 0 and "pulls-on-b" in out and "ImagePullBackOff" in out
    code, out, err = run(fleet, "rules", "apply", str(moved), capsys=capsys)
    assert code == 0, err
    assert [line.split()[:4] for line in out.splitlines() if line.startswith(A)] == [[A, "not-on-a", "0", "0"]]
    assert eventually(lambda: set(firing(fleet, "pendingpods")) == {B}, within=20), firing(fleet, "pendingpods")


def test_apply_is_refused_in_read_only(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "watchdog", "vector(1)")
    code, _, err = run(fleet, "--read-only", "rules", "apply", str(path), capsys=capsys)
    assert code == 1 and "read-only mode: refused to apply a rule set" in err
    assert all("watchdog" not in rules_on(fleet, c) for c in (A, B, C))
