"""Fixtures for the TUI tests: a seeded fleet in a cache file, and the app on it."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from fleettui.tui.app import FleetApp
from tui.apps_fixture import fill_apps
from tui.fleet_fixture import FROZEN_NOW, fixture_store
from tui.metrics_fixture import fill_metrics


@pytest.fixture(scope="session")
def fleet_cache_master(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fleet") / "cache.db"

    async def build() -> None:
        store = await fixture_store(path)
        await fill_apps(store)
        await fill_metrics(store)
        await store.close()

    asyncio.run(build())
    return path


@pytest.fixture
def fleet_cache(fleet_cache_master: Path, tmp_path: Path) -> Path:
    """A private copy, so a test that writes cannot disturb another."""
    path = tmp_path / "cache.db"
    shutil.copy(fleet_cache_master, path)
    return path


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    # no user themes, no NO_COLOR from the developer's shell
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("NO_COLOR", raising=False)


def make_app(cache: Path, **kwargs) -> FleetApp:
    kwargs.setdefault("clock", lambda: FROZEN_NOW)
    kwargs.setdefault("kubeconfig", "~/.kube/config")
    kwargs.setdefault("hub", "hub")
    kwargs.setdefault("debounce", 0.05)
    return FleetApp(store_path=cache, **kwargs)


async def wait_for_data(pilot, *, limit: float = 5.0) -> None:
    """Until the first refresh has been shown (the store is read in a worker)."""
    app = pilot.app
    waited = 0.0
    while app.first_data_at is None and waited < limit:
        await pilot.pause(0.05)
        waited += 0.05
    await pilot.pause()


async def settle(pilot, seconds: float = 0.1) -> None:
    """Let a requested refresh run (debounce + worker + apply): the app's own idle signal."""
    await pilot.pause(seconds)
    await asyncio.wait_for(pilot.app.refresh_idle(), timeout=5)
    await pilot.pause()


@pytest.fixture
def services_cache(fleet_cache):
    """The seeded fleet plus one clusterset service exported by two clusters (in conflict)."""
    from fleettui.store import Store
    from tui.test_services_pane import add_clusterset

    async def build() -> None:
        store = await Store.open(fleet_cache)
        await add_clusterset(store)
        await store.close()

    asyncio.run(build())
    return fleet_cache


@pytest.fixture
def alerts_cache(fleet_cache):
    """The seeded fleet plus alert state (see alerts_fixture)."""
    from fleettui.store import Store
    from tui.alerts_fixture import fill_alerts
    from tui.fleet_fixture import FixtureClock

    async def build() -> None:
        clock = FixtureClock()
        store = await Store.open(fleet_cache, clock=clock)
        await fill_alerts(store, clock)
        await store.close()

    asyncio.run(build())
    return fleet_cache


@pytest.fixture
def jobs_cache(fleet_cache):
    """The seeded fleet plus two Job applications, one placed by capacity (see jobs_fixture)."""
    from fleettui.store import Store
    from tui.jobs_fixture import add_job_apps

    async def build() -> None:
        store = await Store.open(fleet_cache)
        await add_job_apps(store)
        await store.close()

    asyncio.run(build())
    return fleet_cache


def no_blink(screen) -> None:
    """A blinking cursor is caught on or off by chance: a snapshot must not depend on it."""
    from textual.widgets import Input, TextArea

    for widget in screen.query(TextArea):
        widget.cursor_blink = False
    for widget in screen.query(Input):
        widget.cursor_blink = False
