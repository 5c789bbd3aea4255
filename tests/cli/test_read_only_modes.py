"""Every command that writes, under `--watch` and under `--read-only` (given before and
after the subcommand), through the real entry point against the in-process simulator:
each is refused with one `fleettui: read-only mode: ...` line and a non-zero exit, and
nothing changes — no mutating request reaches any cluster (hub included), the fleet file
and its folder are byte-for-byte the same, the cache's application rows are untouched."""

from __future__ import annotations

import asyncio
import hashlib
import os

import pytest
from engine.conftest import EXAMPLES

from fleettui.cli.main import main
from fleettui.config import mode
from fleettui.store import Store

APP = ["orders-api", "-n", "shop"]

# every writer `fleettui --help` lists (sync, clusters, cluster list, sim and demo only read
# clusters; sync writes the inventory cache, which watch mode keeps current on purpose)
MUTATING = [
    ["cluster", "add", "idc-beijing", "--name", "idc", "--label", "env=dev"],
    ["cluster", "add", "edge-shenzhen", "--no-verify"],
    ["cluster", "remove", "ack-hangzhou-a"],
    ["cluster", "label", "ack-hangzhou-a", "env=prod", "--overwrite"],
    ["cluster", "label", "ack-hangzhou-a", "tier-"],
    ["cluster", "hub", "ack-hangzhou-a"],
    ["cluster", "hub", "--unset"],
    ["app", "apply", "-f", str(EXAMPLES / "replication.yaml")],
    ["app", "apply", "--no-wait", "-f", str(EXAMPLES / "replication.yaml")],
    ["app", "apply", "-f", str(EXAMPLES / "replication.yaml"), "--hub", "hub"],
    ["app", "rollback", *APP],
    ["app", "rollback", *APP, "--revision", "1"],
    ["app", "delete", *APP],
    ["app", "delete", *APP, "--hub", "hub"],
    ["workflow", "resume", *APP],
    ["workflow", "resume", *APP, "--step", "gate"],
    ["workflow", "resume", *APP, "--hub", "hub"],
    ["workflow", "suspend", *APP],
    ["workflow", "terminate", *APP],
    ["workflow", "restart", *APP],
    ["workflow", "restart", *APP, "--step", "deploy-canary"],
    ["controller", "--once"],
    ["controller", "--once", "--hub", "hub"],
]

APP_TABLES = ("applications", "app_revisions", "app_placements", "app_resources", "app_drift", "app_events")


async def run_cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    """main() on a worker thread (it runs its own event loop), the simulator serving meanwhile."""
    try:
        # a writer that is not refused may wait on a rollout the frozen clock never finishes
        code = await asyncio.wait_for(asyncio.to_thread(main, argv), 60)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
async def fleet_env(sim, kubeconfig_path, tmp_path, capsys, monkeypatch):
    """A fleet file with a hub and a labelled cluster, and the canary application in the
    cache (stored, its workflow not run: a writable process would deploy it)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    fleet = tmp_path / "fleet" / "fleet.yaml"
    base = ["--kubeconfig", str(kubeconfig_path), "--cache", str(tmp_path / "cache.db"), "--fleet", str(fleet)]
    for argv in (["cluster", "add", "ack-hangzhou-a", "--label", "tier=gold"], ["cluster", "hub", "hub"],
                 ["app", "apply", "--no-wait", "-f", str(EXAMPLES / "canary.yaml")]):
        code, out, err = await run_cli(capsys, base + argv)
        assert code == 0, err
    assert sim.mutations() == 0
    return base, fleet, tmp_path / "cache.db"


async def snapshot(sim, fleet, cache) -> tuple:
    store = await Store.open(cache)
    try:
        rows = {t: await store._fetchall(f"SELECT * FROM {t} ORDER BY rowid") for t in APP_TABLES}
    finally:
        await store.close()
    return (sim.mutations(), hashlib.sha256(fleet.read_bytes()).hexdigest(),
            sorted(os.listdir(fleet.parent)), rows)


@pytest.mark.parametrize("flag", ["--watch", "--read-only"])
@pytest.mark.parametrize("where", ["before", "after"])
async def test_every_writer_is_refused(fleet_env, sim, capsys, flag, where):
    base, fleet, cache = fleet_env
    before = await snapshot(sim, fleet, cache)
    assert before[3]["applications"], "the canary application should be in the cache"
    for command in MUTATING:
        argv = base + ([flag, *command] if where == "before" else [*command, flag])
        code, out, err = await run_cli(capsys, argv)
        assert code != 0, (command, out, err)
        lines = err.strip().splitlines()
        assert lines and lines[-1].startswith("fleettui: read-only mode: refused to "), (command, err)
        reason = "--watch is read-only" if flag == "--watch" else "--read-only"
        assert reason in lines[-1], (command, err)
        assert "Traceback" not in err, (command, err)
        assert await snapshot(sim, fleet, cache) == before, command
    assert not mode.current().read_only  # the policy ends with the command


async def test_the_same_commands_do_write_without_the_flags(fleet_env, sim, capsys):
    """The checks above can fail: without --watch/--read-only these do change things."""
    base, fleet, cache = fleet_env
    before = await snapshot(sim, fleet, cache)
    code, _, err = await run_cli(capsys, base + ["cluster", "label", "ack-hangzhou-a", "env=prod"])
    assert code == 0, err
    after_label = await snapshot(sim, fleet, cache)
    assert after_label[1] != before[1]
    code, _, err = await run_cli(capsys, base + ["controller", "--once"])
    assert code == 0, err
    after = await snapshot(sim, fleet, cache)
    assert after[0] > before[0]  # the canary was deployed to its cluster
    assert after[3]["applications"] != before[3]["applications"]


async def test_reading_commands_work_under_watch(fleet_env, sim, capsys):
    """Watch mode refuses writes, not reads: the sync still fills the cache (its inventory
    is observed state), listings and status answer, and nothing is mutated."""
    base, fleet, cache = fleet_env
    before = await snapshot(sim, fleet, cache)
    outputs = {}
    for command in (["sync", "--once"], ["clusters", "-o", "json"], ["cluster", "list"], ["app", "list"],
                    ["app", "status", *APP], ["app", "list", "--hub", "hub"]):
        code, out, err = await run_cli(capsys, base + [*command, "--watch"])
        assert code == 0, (command, err)
        assert "read-only mode" not in err and "Traceback" not in err
        outputs[" ".join(command)] = out
    assert "ack-hangzhou-a" in outputs["clusters -o json"] and "orders-api" in outputs["app list"]
    assert await snapshot(sim, fleet, cache) == before
    store = await Store.open(cache)
    try:
        assert {c.name for c in await store.clusters()} >= set(sim.cluster_names)
    finally:
        await store.close()


def test_watch_is_a_global_option_for_every_command():
    from fleettui.cli.main import build_parser

    parser = build_parser()
    for argv in (["--watch", "demo"], ["demo", "--watch"], ["sync", "--watch"], ["--watch"]):
        assert parser.parse_args(argv).watch is True
