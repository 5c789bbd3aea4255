"""A key's answer is painted once, with its data: the first frame after a pane switch
or an opened screen already shows what the refresh it asked for read (before, the
pane was painted first with what it held, often nothing, then again and again as the
footer and the data came). A refresh slower than the cap still lets the switch show."""

from __future__ import annotations

import asyncio

from textual.widgets import Tree

from fleettui.tui import paint_hold
from fleettui.tui.app import FleetApp
from fleettui.tui.panes.clusters import ClustersPane

from .fleet_fixture import fixture_store


async def _app(tmp_path, clusters=30, **kwargs) -> FleetApp:
    cache = tmp_path / "cache.db"
    store = await fixture_store(cache, clusters=clusters)
    await store.close()
    return FleetApp(store_path=cache, kubeconfig="~/.kube/config", hub="hub", debounce=0.05, **kwargs)


class _Frames:
    """What the screen showed in each frame put out (Pilot's headless driver gets the
    same frames, it only does not write them)."""

    def __init__(self, app: FleetApp, look) -> None:  # type: ignore[no-untyped-def]
        self.seen: list = []
        real = FleetApp._display

        def spy(this, screen, renderable) -> None:  # type: ignore[no-untyped-def]
            if renderable is not None and not this._batch_count:
                self.seen.append(look())
            real(this, screen, renderable)

        self._real = real
        FleetApp._display = spy  # type: ignore[method-assign]

    def close(self) -> None:
        FleetApp._display = self._real  # type: ignore[method-assign]


async def test_the_first_frame_of_a_pane_switch_has_the_panes_data(tmp_path) -> None:
    app = await _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        tree = app.query_one("#topology-tree", Tree)
        frames = _Frames(app, lambda: (app.switcher.current, len(tree.root.children)))
        try:
            await pilot.press("2")
            await app.refresh_idle()
            await pilot.pause(0.1)
        finally:
            frames.close()
        topology = [f for f in frames.seen if f[0] == "topology"]
        assert topology, frames.seen
        # never an empty topology on screen: its first frame has the regions read
        assert topology[0][1] > 0, frames.seen


async def test_the_first_frame_of_an_opened_cluster_has_its_data(tmp_path) -> None:
    app = await _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        name = app.query_one(ClustersPane).table.current_key

        def look():
            screen = app.screen
            heading = screen.query("#cluster-heading")
            return (type(screen).__name__, str(heading.first().render()) if heading else "")

        frames = _Frames(app, look)
        try:
            await pilot.press("enter")
            await app.refresh_idle()
            await pilot.pause(0.1)
        finally:
            frames.close()
        opened = [f for f in frames.seen if f[0] == "ClusterScreen"]
        assert opened and name in opened[0][1], frames.seen


async def test_a_slow_refresh_still_shows_the_switch_after_the_cap(tmp_path, monkeypatch) -> None:
    app = await _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        from fleettui.tui.panes import topology

        real = topology.read_topology

        async def slow(*args, **kwargs):
            await asyncio.sleep(1.0)
            return await real(*args, **kwargs)

        monkeypatch.setattr(topology, "read_topology", slow)
        frames = _Frames(app, lambda: app.switcher.current)
        try:
            await pilot.press("2")
            await pilot.pause(paint_hold.REFRESH_CAP + 0.3)
            # the hold gave up: the switch is on screen while the read goes on
            assert "topology" in frames.seen
            assert app._refreshing
        finally:
            frames.close()
        assert not app.paint_holds.held("refresh")


async def test_what_the_terminal_shows_after_held_paints_is_the_whole_screen(tmp_path) -> None:
    # frames Textual composes while paints are held are dropped; what they covered must
    # be painted after the hold, or the terminal keeps the old pane's characters there
    from .terminal import TerminalModel, full_frame_text, record_frames

    app = await _app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        frames = record_frames(app)
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        terminal = TerminalModel(120, 40)
        for key in ("2", "3", "1", "enter", "escape", "slash", "e", "enter", "escape", "pagedown", "end", "home"):
            await pilot.press(key)
            await app.refresh_idle()
            await pilot.pause(0.15)
            terminal.changed_at(frames.frames)
            frames.clear()
            assert terminal.text == full_frame_text(app), key
