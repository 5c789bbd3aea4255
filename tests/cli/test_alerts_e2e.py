"""`fleettui alerts`, `silence` and `rules status` end to end against the real harness
(a Prometheus per simulated cluster, one Alertmanager), as `make test` runs it."""
# ruff: noqa: F811  (the `fleet` fixture is imported from test_rules_e2e, the harness' one home)

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
import yaml

from cli.test_rules_e2e import PENDING, A, B, C, eventually, fleet, rule_file, run  # noqa: F401  (fleet: fixture)
from fleettui.cli.main import main
from fleettui.sim.promstack import missing_binaries

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

EVALUATION = 1.0  # the fixture's harness: --scrape-interval 1 (evaluation follows it)


def alerts(fleet, capsys, *extra: str) -> tuple[list[dict], str]:
    code, out, err = run(fleet, "alerts", "--refresh", "--timeout", "1", "-o", "json", *extra, capsys=capsys)
    assert code == 0, err
    return json.loads(out)["items"], err


def of(items: list[dict], name: str) -> list[tuple[str, str]]:
    return sorted((a["cluster"], a["state"]) for a in items if a["alertname"] == name)


def prometheus_pid(fleet, cluster: str) -> int:
    port = fleet["stack"]["prometheus"][cluster].rsplit(":", 1)[1]
    for pid in fleet["stack"]["pids"]:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if any(arg.startswith(b"--web.listen-address=") and arg.endswith(f":{port}".encode()) for arg in cmd):
            return pid
    raise AssertionError(f"no Prometheus process listens on {port}")


def test_applied_alert_is_listed_for_its_cluster_only_and_a_silence_hides_it_until_expired(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "pendingcheck", PENDING)
    code, out, err = run(fleet, "rules", "apply", str(path), "--window", "1m", capsys=capsys)
    assert code == 0, err
    applied = time.monotonic()
    # loaded by the harness' operator, then firing at the first evaluation: two intervals,
    # plus the operator's reload
    got = eventually(lambda: of(alerts(fleet, capsys)[0], "pendingcheck"), within=2 * EVALUATION + 5)
    assert got == [(A, "firing")], got
    assert time.monotonic() - applied <= 2 * EVALUATION + 5

    code, out, err = run(fleet, "--read-only", "silence", "add", "--alert", "pendingcheck", "--cluster", A,
                         "--comment", "e2e", capsys=capsys)
    assert code == 1 and "read-only mode: refused to add a silence" in err
    code, out, _ = run(fleet, "silence", "list", "-o", "json", capsys=capsys)
    assert code == 0 and json.loads(out)["items"] == []

    code, out, err = run(fleet, "silence", "add", "--alert", "pendingcheck", "--cluster", A, "--duration", "10m",
                         "--comment", "e2e: known", capsys=capsys)
    assert code == 0, err
    silence_id = out.split()[1]
    assert eventually(lambda: of(alerts(fleet, capsys)[0], "pendingcheck") == [(A, "silenced")], within=10)
    (item,) = [a for a in alerts(fleet, capsys)[0] if a["alertname"] == "pendingcheck"]
    assert item["silenced_by"] == [silence_id] and item["labels"]["job"] == "kube-state-metrics"
    code, out, _ = run(fleet, "silence", "list", "-o", "json", capsys=capsys)
    (s,) = json.loads(out)["items"]
    assert s["id"] == silence_id and s["state"] == "active" and s["comment"] == "e2e: known"
    assert s["matchers"] == f"alertname=pendingcheck,cluster={A}" and s["created_by"]
    # the filter and the table read the same cache
    code, out, err = run(fleet, "alerts", "--filter", "@state=silenced", capsys=capsys)
    assert code == 0 and "pendingcheck" in out and f"{A}" in out

    code, out, err = run(fleet, "silence", "expire", silence_id, capsys=capsys)
    assert code == 0, err
    assert eventually(lambda: of(alerts(fleet, capsys)[0], "pendingcheck") == [(A, "firing")], within=10)
    code, out, _ = run(fleet, "silence", "list", "-o", "json", capsys=capsys)
    assert json.loads(out)["items"] == []

    # the consistency matrix agrees: defined = deployed = loaded on every cluster
    code, out, err = run(fleet, "rules", "status", str(path), "-o", "json", capsys=capsys)
    assert code == 0, (out, err)
    assert {(c["cluster"], c["state"]) for c in json.loads(out)["items"]} == {(A, "in sync"), (B, "in sync"),
                                                                               (C, "in sync")}


def test_one_prometheus_down_leaves_its_last_alerts_marked_unknown_and_the_others_current(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "everywhere", "vector(1)")
    code, _, err = run(fleet, "rules", "apply", str(path), "--window", "1m", capsys=capsys)
    assert code == 0, err
    assert eventually(lambda: [c for c, _ in of(alerts(fleet, capsys)[0], "everywhere")] == sorted([A, B, C]),
                      within=10)
    pid = prometheus_pid(fleet, B)
    os.kill(pid, signal.SIGSTOP)  # hangs, as a wedged server does: the refresh must time out, not wait
    try:
        started = time.monotonic()
        items, err = alerts(fleet, capsys)
        assert time.monotonic() - started < 4
    finally:
        os.kill(pid, signal.SIGCONT)
    assert {a["cluster"]: a["stale"] for a in items if a["alertname"] == "everywhere"} == {A: False, B: True,
                                                                                            C: False}
    assert f"warning: {B}: alerts unknown since" in err and "timed out" in err
    code, out, err = run(fleet, "alerts", "--filter", f"@cluster={B}", capsys=capsys)
    assert "(stale)" in out and f"{B}: alerts unknown since" in err
    # back up: current again
    assert eventually(lambda: "unknown since" not in alerts(fleet, capsys)[1], within=10)


def test_a_rule_the_operator_rejects_shows_as_rejected_in_rules_status(fleet, capsys) -> None:
    import asyncio

    from fleettui.config.kubeconfig import load_kubeconfig
    from fleettui.kube import ClusterClient

    # written behind fleettui's back (kubectl apply): `rules apply` would have refused it
    bad = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
           "metadata": {"name": "handmade", "namespace": "monitoring"},
           "spec": {"groups": [{"name": "handmade", "rules": [{"alert": "Handmade", "expr": "rate(up[5m]"}]}]}}

    async def create() -> None:
        client = ClusterClient.from_kubeconfig(load_kubeconfig(str(fleet["kubeconfig"])), context=C)
        try:
            res = await client.resource("monitoring.coreos.com/v1", "PrometheusRule")
            await client.create(res, bad, namespace="monitoring")
        finally:
            await client.close()

    asyncio.run(create())
    path = fleet["dir"] / "handmade.yaml"
    path.write_text(yaml.safe_dump(bad))

    def status() -> dict[str, dict]:
        code, out, err = run(fleet, "rules", "status", str(path), "--clusters", C, "-o", "json", capsys=capsys)
        assert code == 1, (out, err)
        cells = {c["cluster"]: c for c in json.loads(out)["items"]}
        return cells if cells[C]["state"] == "rejected" else {}

    cells = eventually(status, within=10)
    assert cells, "never rejected"
    assert "rejected by the operator" in cells[C]["detail"] and "parse error" in cells[C]["detail"]
    assert cells[A]["state"] == cells[B]["state"] == "not placed"
    code, out, err = run(fleet, "rules", "status", str(path), "--clusters", C, capsys=capsys)
    assert code == 1 and "rejected" in out and "not placed" not in out


def test_sync_once_fills_the_alert_cache_that_alerts_reads_without_the_network(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "synced", "vector(1)")
    code, _, err = run(fleet, "rules", "apply", str(path), "--window", "1m", capsys=capsys)
    assert code == 0, err
    assert eventually(lambda: len(of(alerts(fleet, capsys)[0], "synced")) == 3, within=10)
    cache = fleet["dir"] / "sync-cache.db"
    args = [a if a != str(fleet["dir"] / "cache.db") else str(cache) for a in fleet["args"]]
    code = main(["sync", "--once", *args])
    capsys.readouterr()
    assert code == 0
    code = main(["alerts", "-o", "json", *args])
    items = json.loads(capsys.readouterr().out)["items"]
    assert code == 0 and sorted(a["cluster"] for a in items if a["alertname"] == "synced") == sorted([A, B, C])


def test_rules_status_all_judges_the_rule_sets_the_hub_holds(fleet, capsys) -> None:
    path = rule_file(fleet["dir"], "statusall", "vector(1)")
    code, _, err = run(fleet, "rules", "apply", str(path), "--window", "1m", capsys=capsys)
    assert code == 0, err

    def cells() -> dict[str, str]:
        code, out, err = run(fleet, "rules", "status", "--all", "-o", "json", capsys=capsys)
        got = {c["cluster"]: c["state"] for c in json.loads(out)["items"] if c["ruleset"].endswith("/statusall")}
        return got if set(got.values()) == {"in sync"} else {}

    assert eventually(cells, within=10) == {A: "in sync", B: "in sync", C: "in sync"}
