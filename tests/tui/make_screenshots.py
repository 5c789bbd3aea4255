"""Write screenshots/ (SVG, plus PNG when cairosvg is importable) from the seeded
fixture fleet with the frozen clock, so they match the snapshot tests.

    .venv/bin/python tests/tui/make_screenshots.py [NAME ...]   # all, or only these
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for the `tui` fixture package

from tui.alerts_fixture import fill_alerts  # noqa: E402
from tui.apps_fixture import fill_apps  # noqa: E402
from tui.conftest import make_app, settle, wait_for_data  # noqa: E402
from tui.fleet_fixture import fixture_store  # noqa: E402
from tui.metrics_fixture import fill_metrics  # noqa: E402

OUT = HERE.parents[2] / "screenshots"
SIZE = (120, 36)


async def shot(cache: Path, name: str, keys: list[str], after=None, **app_kwargs) -> Path:
    app = make_app(cache, **app_kwargs)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if after is not None:
            after(app)
            await settle(pilot)
            await pilot.pause(0.8)  # a dialog's own workers
        path = OUT / f"{name}.svg"
        app.save_screenshot(str(path))
    return path


def _fill_selection(app) -> None:
    """The selection dialog with a canary-first pick (its lists load in workers,
    so the namespace and resources are picked once they arrive)."""
    from textual.widgets import Input, Select, SelectionList

    dialog = app.screen
    dialog.query_one("#source", Select).value = "ack-hangzhou-a"
    dialog.query_one("#app-name", Input).value = "shop-frontend"
    dialog.query_one("#labels", Input).value = "env=prod"
    dialog.query_one("#mode", Select).value = "canary"

    def namespace() -> None:
        dialog.query_one("#namespace", Select).value = "shop"
        dialog.set_timer(0.3, lambda: dialog.query_one("#resources", SelectionList).select("Deployment/frontend"))

    dialog.set_timer(0.3, namespace)


def _no_hub():
    raise AssertionError("the screenshots never reach a hub")


def _open_registration(app) -> None:
    """The hub's registration view on the snapshot tests' fixed view (no hub is reached),
    on its Placements tab: the clusters each chose and why the others were left out."""
    from fleettui.tui.app import palette_for
    from fleettui.tui.screens.registration import RegistrationScreen
    from tui.test_membership_snapshots import VIEW

    async def load():
        return VIEW

    app.push_screen(RegistrationScreen(load, palette_for(app)))
    app.set_timer(0.3, lambda: app.screen.show_tab("tab-placements"))


async def _matrix_cells():
    from tui.test_rules_matrix import _cells

    return _cells()


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache.db"
        store = await fixture_store(cache)
        await fill_apps(store)
        await fill_metrics(store)
        await fill_alerts(store, store.clock)
        from tui.test_services_pane import add_clusterset

        await add_clusterset(store)
        await store.close()
        wanted = set(sys.argv[1:])
        shots = [
            ("clusters", []),
            ("topology", ["2", "E"]),
            ("cluster", ["N", "down", "down", "down", "down", "enter"],
             {"after": lambda app: app.screen.show_tab("tab-unhealthy")}),
            ("rollouts", ["3"]),
            ("application", ["3", "enter"], {"after": lambda app: app.screen.show_tab("tab-placement")}),
            ("distribute-selection", ["3", "D"], {"after": _fill_selection}),
            ("watch-help", ["question_mark"], {"watch": True}),
            ("light-theme", [], {"theme": "fleet-light"}),
            ("metrics", ["6"]),
            ("metrics-plot", ["6", "g", "down", "down"]),
            ("cost", ["6", "c", "g", "t", "t"]),
            ("services", ["4"]),
            ("dr", ["5", "down", "down", "down", "down", "down", "down", "down", "down", "down"]),
            ("alerts", ["7"]),
            ("rules-matrix", ["7", "m"], {"pane_options": {"rule_status": _matrix_cells}}),
            ("registration", [], {"after": _open_registration, "hub_client": _no_hub}),
        ]
        paths = [await shot(cache, name, keys, **(rest[0] if rest else {}))
                 for name, keys, *rest in shots if not wanted or name in wanted]
    try:
        import cairosvg
    except ImportError:
        print("cairosvg not importable: SVG only")
        cairosvg = None
    for path in paths:
        if cairosvg is not None:
            cairosvg.svg2png(url=str(path), write_to=str(path.with_suffix(".png")))
        print(path.relative_to(OUT.parent))


if __name__ == "__main__":
    asyncio.run(main())
