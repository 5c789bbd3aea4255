"""A large fleet that syncs changes all the time is not re-read and re-drawn four
times a second: the refresh waits in proportion to what the last one took (at most
MAX_REFRESH_GAP), while a small fleet keeps the plain debounce and a key that asks
for data reads at once."""

from __future__ import annotations

import time

from fleettui.store.models import FleetSummary
from fleettui.tui import app as app_module
from fleettui.tui.app import FleetApp

from .fleet_fixture import fixture_store


def _app(tmp_path, clusters: int, cost: float) -> FleetApp:
    app = FleetApp(store_path=tmp_path / "c.db", kubeconfig="k", debounce=0.25)
    app._summary = FleetSummary(clusters, clusters, 0, 0, 0, 0, None)
    app._refresh_cost = cost
    return app


def test_the_gap_between_refreshes_follows_their_cost_in_a_large_fleet(tmp_path) -> None:
    assert _app(tmp_path, 8, 0.05)._refresh_gap() == 0.25  # small: the debounce
    assert _app(tmp_path, 1000, 0.005)._refresh_gap() == 0.25  # cheap: the debounce
    gap = _app(tmp_path, 1000, 0.05)._refresh_gap()
    assert gap == app_module.REFRESH_SHARE * 0.05 > 0.25
    assert _app(tmp_path, 1000, 1.0)._refresh_gap() == app_module.MAX_REFRESH_GAP


async def test_ctrl_r_reads_at_once_in_a_paced_fleet(tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache.db"
    store = await fixture_store(cache, clusters=12)
    await store.close()
    monkeypatch.setattr(app_module, "THROTTLE_ABOVE", 10)  # this fleet counts as large
    app = FleetApp(store_path=cache, kubeconfig="k", debounce=0.05)
    async with app.run_test() as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await app.refresh_idle()
        app._refresh_cost = 0.5  # the last refresh took long: changes wait MAX_REFRESH_GAP
        app._request_refresh()
        assert app._timer is not None  # a change waits
        started = []
        real = app._start_refresh
        monkeypatch.setattr(app, "_start_refresh", lambda: (started.append(time.perf_counter()), real()))
        t0 = time.perf_counter()
        await pilot.press("ctrl+r")
        # read at once, not after the MAX_REFRESH_GAP a change waits for now
        assert started and started[0] - t0 < app_module.MAX_REFRESH_GAP / 2


async def test_a_background_refresh_waits_for_a_pause_in_the_keys_but_not_forever(tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache.db"
    store = await fixture_store(cache, clusters=12)
    await store.close()
    monkeypatch.setattr(app_module, "THROTTLE_ABOVE", 10)
    app = FleetApp(store_path=cache, kubeconfig="k", debounce=0.05)
    async with app.run_test() as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await app.refresh_idle()
        started: list[float] = []
        real = app._start_refresh
        monkeypatch.setattr(app, "_start_refresh", lambda: (started.append(time.monotonic()), real()))
        # keys keep coming (a cursor held down): the refresh a change asked for waits...
        t0, gap = time.monotonic(), app._refresh_gap()
        app._request_refresh()
        while time.monotonic() - t0 < gap + app_module.MAX_POSTPONE / 2:
            app._last_input = time.monotonic()
            await pilot.pause(0.05)
        assert started == []
        # ...but not past MAX_POSTPONE after it was due
        while not started and time.monotonic() - t0 < gap + 3 * app_module.MAX_POSTPONE:
            app._last_input = time.monotonic()
            await pilot.pause(0.05)
        assert started and started[0] - t0 <= gap + app_module.MAX_POSTPONE + 0.4
        # with no keys, it is not held at all
        await app.refresh_idle()
        started.clear()
        app._last_input = 0.0
        t1, gap = time.monotonic(), app._refresh_gap()
        app._request_refresh()
        while not started and time.monotonic() - t1 < 3:
            await pilot.pause(0.01)
        assert started and started[0] - t1 < gap + 0.2
