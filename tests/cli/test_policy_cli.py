"""The fleet file's resilience/traffic sections, and `fleettui dr` from the cache."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from dr.dr_fixture import FLEET_YAML, fill_dr_apps
from tui.fleet_fixture import fixture_store

from fleettui.cli.main import main
from fleettui.config.errors import ConfigError
from fleettui.config.fleetfile import FleetFile


def test_policy_and_traffic_parse_and_survive_a_save(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(FLEET_YAML)
    fleet = FleetFile.load(path)
    assert fleet.resilience.survive_replicas == 1 and fleet.resilience.tier1[0].pattern == "shop/storefront"
    assert [p.name for p in fleet.traffic[0].pools] == ["hangzhou", "hangzhou-b", "shanghai"]
    assert fleet.traffic[0].pools[2].kind == "Ingress" and fleet.traffic[0].pools[2].priority == 2
    fleet.relabel("ack-hangzhou-a", {"env": "prod"}, [])
    fleet.save()  # what `fleettui cluster label` does: the DR sections must come back untouched
    again = FleetFile.load(path)
    assert again.resilience == fleet.resilience and again.traffic == fleet.traffic


@pytest.mark.parametrize("text, match", [
    ("resilience: {survive: {replicas: 0}}\n", r":1: resilience.survive.replicas must be an integer >= 1"),
    ("resilience:\n  survive: {fraction: 1.5}\n", r":2: resilience.survive.fraction"),
    ("resilience: {domains: [planet]}\n", "resilience.domains"),
    ("resilience: {tier1: [{label: x}]}\n", r"tier1\[0\]"),
    ("resilience: {survive: {replicas: 1, fraction: 0.5}}\n", r"\{replicas: N\} or \{fraction: 0.5\}"),
    ("traffic:\n  - domain: a.example\n    pools: [{cluster: c}]\n", "exactly one of 'service' or 'ingress'"),
    ("traffic:\n  - domain: a.example\n    pools: [{cluster: c, service: nonamespace}]\n", "'namespace/name'"),
    ("traffic:\n  - {domain: a.example, pools: [{cluster: c, service: a/b, priority: 0}]}\n", "priority"),
    ("traffic:\n  - {domain: a.example, pools: [{cluster: c, service: a/b}, {cluster: c, ingress: a/b}]}\n",
     "pool names must be unique"),
])
def test_policy_errors_name_the_file_and_field(tmp_path, text, match):
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        FleetFile.load(path)
    assert str(info.value).startswith(str(path))


@pytest.fixture(scope="module")
def dr_cache(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dr") / "cache.db"

    async def build() -> None:
        store = await fixture_store(path)
        await fill_dr_apps(store)
        await store.close()

    asyncio.run(build())
    (path.parent / "fleet.yaml").write_text(FLEET_YAML)
    return path


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def fleettui(capsys):
    def run(cache: Path, *args: str) -> Result:
        try:
            rc = main(["--cache", str(cache), "--fleet", str(cache.parent / "fleet.yaml"), *args])
        except SystemExit as exc:  # argparse's own usage errors
            rc = exc.code
        out = capsys.readouterr()
        return Result(rc, out.out, out.err)

    return run


def test_whatif_exit_code_gates_on_tier1(fleettui, dr_cache):
    ok = fleettui(dr_cache, "dr", "whatif", "--cluster", "ack-hangzhou-a", "-o", "json")
    assert ok.returncode == 0, ok.stderr
    doc = json.loads(ok.stdout)
    store = next(a for a in doc["applications"] if a["name"] == "storefront")
    assert store["lost"] > 0 and "ack-hangzhou-a" not in store["remaining"]
    assert doc["alerting"][0]["cluster"] == "ack-hangzhou-a"
    bad = fleettui(dr_cache, "dr", "whatif", "--region", "beijing")
    assert bad.returncode == 1
    assert "✖ FAIL" in bad.stdout and "payments/ledger" in bad.stdout.splitlines()[-1]


def test_score_table_and_yaml(fleettui, dr_cache):
    out = fleettui(dr_cache, "dr", "score")
    assert out.returncode == 1  # payments/ledger lives in one cluster
    assert "ANY CLUSTER" in out.stdout and "tier-1 applications pass" in out.stdout
    y = fleettui(dr_cache, "dr", "score", "-o", "yaml")
    assert "kind: ResilienceScore" in y.stdout


@pytest.mark.parametrize("args, message", [
    (["dr", "whatif", "--zone", "atlantis"], "fleettui: no zone 'atlantis' in the cache"),
    (["dr", "whatif"], "one of the arguments --cluster --zone --region is required"),
])
def test_bad_input_is_one_line_not_a_traceback(fleettui, dr_cache, args, message):
    out = fleettui(dr_cache, *args)
    assert out.returncode != 0 and message in out.stderr and "Traceback" not in out.stderr


def test_missing_cache_is_an_error(fleettui, tmp_path):
    out = fleettui(tmp_path / "none.db", "dr", "score")
    assert out.returncode == 1 and out.stderr.startswith("fleettui: no cache at")
