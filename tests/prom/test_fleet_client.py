"""The fleet's Prometheus client against a real Prometheus (Debian `prometheus`, which
`make test` installs), a port nothing listens on, and a server that never answers."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from fleettui.prom import FleetPrometheus, Target

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None,
                                reason="prometheus not installed (make test installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    d = tmp_path_factory.mktemp("prom")
    (d / "prometheus.yml").write_text("global:\n  evaluation_interval: 1s\n  external_labels: {cluster: one}\n")
    port = _free_port()
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={d / 'prometheus.yml'}", f"--storage.tsdb.path={d / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: a Prometheus that hangs."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


async def test_one_query_every_cluster_partial_answers_name_the_missing(prometheus, silent_server):
    fleet = FleetPrometheus([Target("one", prometheus), Target("two", prometheus),
                             Target("down", f"http://127.0.0.1:{_free_port()}"),
                             Target("hung", silent_server), Target("hung2", silent_server),
                             Target("hung3", silent_server)], timeout=1.0)
    try:
        started = time.monotonic()
        answer = await fleet.query("vector(42)")
        elapsed = time.monotonic() - started
    finally:
        fleet.close()
    assert answer.missing == ["down", "hung", "hung2", "hung3"]
    assert answer.answers["down"].error_kind == "unreachable"
    assert answer.answers["hung"].error_kind == "timeout"
    series = answer.series()
    assert sorted(s["metric"]["cluster"] for s in series) == ["one", "two"]
    assert all(s["value"][1] == "42" for s in series)
    # each hung server costs its own timeout, at the same time as the others: the whole
    # fan-out takes less than the hung ones' timeouts added up (asked in turn, it would not)
    hung = sum(answer.answers[c].elapsed for c in ("hung", "hung2", "hung3"))
    assert elapsed < 0.75 * hung


async def test_a_bad_expression_is_prometheus_own_message_with_its_position(prometheus):
    fleet = FleetPrometheus([Target("one", prometheus)])
    try:
        answer = await fleet.query("sum(rate(x[5m]) by")
    finally:
        fleet.close()
    assert answer.bad_query is not None
    assert "parse error" in answer.bad_query and "1:" in answer.bad_query
    assert answer.answers["one"].error_kind == "bad_query"


async def test_range_query_and_raw_api_paths(prometheus):
    fleet = FleetPrometheus([Target("one", prometheus)])
    end = datetime.now(UTC)
    try:
        rng = await fleet.query_range("vector(1)", end - timedelta(minutes=1), end, 15)
        info = await fleet.get("/api/v1/status/buildinfo")
        missing = await fleet.query("up", clusters=["one", "nowhere"])
    finally:
        fleet.close()
    (s,) = rng.series()
    assert s["metric"]["cluster"] == "one" and len(s["values"]) >= 4
    assert info.answers["one"].result["version"].startswith("2.")
    assert missing.answers["nowhere"].error_kind == "unconfigured"


async def test_many_clusters_are_asked_at_once_within_the_bound(prometheus):
    fleet = FleetPrometheus([Target(f"c{i}", prometheus) for i in range(20)], concurrency=8)
    try:
        answers = await asyncio.wait_for(fleet.query("vector(1)"), 20)
    finally:
        fleet.close()
    assert answers.missing == [] and len(answers.series()) == 20
