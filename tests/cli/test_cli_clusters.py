"""`fleettui clusters` prints the fleet from the cache: no network, ages shown."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import yaml

from fleettui.cli.main import main
from fleettui.store import Store


async def _cache(path):
    store = await Store.open(path)
    w = store.writer
    w.put_cluster("up", context="up", provider="ack", region="cn-hangzhou", zone="h")
    w.probe("up", reachable=True, version="v1.31.2", latency_ms=4)
    w.replace("up", "Node", [{"name": "n1", "ready": 1, "cpu_m": 4000, "mem_b": 8 << 30, "health": "healthy"}])
    w.replace("up", "Pod", [{"namespace": "a", "name": "p", "phase": "Running", "node": "n1", "cpu_m": 1000,
                             "mem_b": 2 << 30}])
    w.put_cluster("down", context="down")
    w.probe("down", reachable=True, version="v1.30.0")
    await w.flush()
    w.probe("down", reachable=False, error="unreachable: cannot connect")
    await w.flush()
    await store.close()


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


async def test_clusters_table_json_yaml(tmp_path, capsys):
    path = tmp_path / "cache.db"
    await _cache(path)
    rc, out, err = await asyncio.to_thread(_run, capsys, "clusters", "--cache", str(path))
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["NAME", "PROVIDER", "REGION", "ZONE"]
    down = next(ln for ln in lines if ln.startswith("down"))
    assert "unhealthy" in down and "(stale)" in down and "unreachable: cannot connect" in down
    up = next(ln for ln in lines if ln.startswith("up"))
    assert "1/1" in up and "25%" in up and "healthy" in up and "ago" in up

    rc, out, _ = await asyncio.to_thread(_run, capsys, "clusters", "--cache", str(path), "-o", "json")
    doc = json.loads(out)
    items = {i["name"]: i for i in doc["items"]}
    assert items["down"]["reachable"] is False and items["down"]["stale"] is True
    assert items["down"]["version"] == "v1.30.0"  # kept from the last good probe
    assert 0 <= items["up"]["age_seconds"] < 60 and items["up"]["cpu_req_m"] == 1000
    assert items["up"]["last_seen"] <= time.time()

    rc, out, _ = await asyncio.to_thread(_run, capsys, "clusters", "--cache", str(path), "-o", "yaml")
    assert {i["name"] for i in yaml.safe_load(out)["items"]} == {"up", "down"}


def test_clusters_without_a_cache_says_what_to_do(tmp_path, capsys):
    rc, _, err = _run(capsys, "clusters", "--cache", str(tmp_path / "none.db"))
    assert rc == 1 and "fleettui sync --once" in err
    assert not (tmp_path / "none.db").exists()


def test_clusters_on_a_corrupt_cache_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "cache.db"
    path.write_bytes(b"\x00garbage" * 100)
    rc, _, err = _run(capsys, "clusters", "--cache", str(path))
    assert rc == 1 and "moved aside" in err


@pytest.mark.parametrize("seconds,text", [(None, "never"), (5, "5s"), (300, "5m"), (3 * 3600, "3h"), (3 * 86400, "3d")])
def test_format_age(seconds, text):
    from fleettui.cli.commands.clusters import format_age

    assert format_age(seconds) == text
