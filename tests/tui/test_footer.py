"""The footer changes its keys when they change, and only then (a pane switch sends
Textual's bindings signal twice, the same keys the second time), and in place: the
FooterKey widgets it has are given the new keys instead of thirty being mounted and
styled again. What it shows is what Textual's own rebuild would show."""

from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from fleettui.tui.app import FleetApp
from fleettui.tui.widgets.footer import FleetFooter

from .fleet_fixture import fixture_store


def _shown(footer: Footer) -> list[tuple]:
    return [(k.key, k.key_display, k.description, k.action, k._disabled, k.tooltip,
             sorted(k.classes), k.size.width) for k in footer.query(FooterKey)]


async def test_a_pane_switch_gives_the_footer_its_new_keys_in_place(tmp_path, monkeypatch) -> None:
    cache = tmp_path / "cache.db"
    store = await fixture_store(cache, clusters=12)
    await store.close()
    app = FleetApp(store_path=cache, kubeconfig="~/.kube/config", hub="hub", debounce=0.05)
    rebuilds: list[str] = []
    real = Footer.recompose

    async def counted(self):
        rebuilds.append("recompose")
        await real(self)

    monkeypatch.setattr(Footer, "recompose", counted)
    async with app.run_test(size=(160, 48)) as pilot:
        while app.first_data_at is None:
            await pilot.pause(0.01)
        await pilot.pause()
        footer = app.query_one(FleetFooter)
        seen = []
        for pane in ("2", "1", "3", "1"):
            before = list(footer.query(FooterKey))
            await pilot.press(pane)
            await pilot.pause(0.2)
            assert rebuilds == [], pane
            # in place: the widgets it had (those still needed) show the new keys
            after = list(footer.query(FooterKey))
            kept = min(len(before), len(after)) - 1  # the palette key, last, may come or go
            assert all(a is b for a, b in zip(before[:kept], after[:kept], strict=True)), pane
            shown = _shown(footer)
            seen.append([k[:3] for k in shown])
            # the same as Textual's own rebuild of the footer for these keys
            with footer._context():  # as Textual's own signal handler runs it
                await real(footer)
            await pilot.pause(0.1)
            assert _shown(footer) == shown, pane
        # the topology's keys are not the clusters pane's, the rollouts' are not either
        assert seen[0] != seen[1] and seen[2] != seen[1] and seen[3] == seen[1]
        assert len(seen[1]) > 5
