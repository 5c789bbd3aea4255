"""The DR pane on the frozen fixture fleet (with DR applications and a fleet file):
key 5, the impact beside the picked domain, the score; snapshots at 80x24 and 160x48."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from tui.apps_fixture import fill_apps
from tui.conftest import make_app, settle, wait_for_data
from tui.fleet_fixture import fixture_store

from dr.dr_fixture import FLEET_YAML, fill_dr_apps
from fleettui.config.fleetfile import FleetFile


@pytest.fixture(scope="module")
def dr_master(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("drpane") / "cache.db"

    async def build() -> None:
        store = await fixture_store(path)
        await fill_apps(store)
        await fill_dr_apps(store)
        await store.close()

    asyncio.run(build())
    return path


@pytest.fixture
def dr_app(dr_master, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    cache = tmp_path / "cache.db"
    shutil.copy(dr_master, cache)
    fleet_path = tmp_path / "fleet.yaml"
    fleet_path.write_text(FLEET_YAML)
    return make_app(cache, pane_options={"fleet": FleetFile.load(fleet_path)})


async def _open_dr(pilot) -> None:
    await wait_for_data(pilot)
    await pilot.press("5")
    await settle(pilot, 0.2)


async def test_key_5_shows_impact_of_the_picked_domain(dr_app):
    async with dr_app.run_test(size=(160, 48)) as pilot:
        await _open_dr(pilot)
        assert dr_app.switcher.current == "dr"
        impact = str(dr_app.query_one("#dr-impact").render())
        assert "If cluster ack-hangzhou-a fails" in impact and "shop/storefront" in impact
        assert "Watchdog" in impact
        await pilot.press("down")
        await pilot.pause()
        assert "If cluster ack-hangzhou-b fails" in str(dr_app.query_one("#dr-impact").render())


def test_dr_pane_snapshot_80x24(snap_compare, dr_app):
    assert snap_compare(dr_app, terminal_size=(80, 24), run_before=_open_dr)


def test_dr_pane_snapshot_160x48(snap_compare, dr_app):
    assert snap_compare(dr_app, terminal_size=(160, 48), run_before=_open_dr)
