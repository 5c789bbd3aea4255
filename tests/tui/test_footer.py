"""The footer rebuilds its keys when they change, and only then: a pane switch sends
Textual's bindings signal twice with the same keys the second time (each rebuild
mounts and styles ~30 widgets)."""

from __future__ import annotations

from textual.widgets import Footer

from fleettui.tui.app import FleetApp

from .fleet_fixture import fixture_store


async def test_a_pane_switch_rebuilds_the_footer_once_with_the_new_keys(tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache.db"
    store = await fixture_store(cache, clusters=12)
    await store.close()
    app = FleetApp(store_path=cache, kubeconfig="~/.kube/config", hub="hub", debounce=0.05)
    rebuilds: list[tuple[str, ...]] = []
    real = Footer.recompose

    async def counted(self):
        await real(self)
        rebuilds.append(tuple(k.key for k in self.query("FooterKey")))

    monkeypatch.setattr(Footer, "recompose", counted)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause()
        for pane in ("2", "1"):
            rebuilds.clear()
            await pilot.press(pane)
            await pilot.pause(0.2)
            assert len(rebuilds) == 1, (pane, rebuilds)
        clusters_keys = rebuilds[0]
        await pilot.press("2")
        await pilot.pause(0.2)
        # the topology's keys are not the clusters pane's: that rebuild was not skipped
        assert rebuilds[-1] != clusters_keys
