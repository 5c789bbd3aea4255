"""Write screenshots/ (SVG, plus PNG when cairosvg is importable) from the seeded
fixture fleet with the frozen clock, so they match the snapshot tests.

    .venv/bin/python tests/tui/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1]))  # tests/, for the `tui` fixture package

from tui.apps_fixture import fill_apps  # noqa: E402
from tui.conftest import make_app, settle, wait_for_data  # noqa: E402
from tui.fleet_fixture import fixture_store  # noqa: E402

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
        path = OUT / f"{name}.svg"
        app.save_screenshot(str(path))
    return path


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache.db"
        store = await fixture_store(cache)
        await fill_apps(store)
        await store.close()
        paths = [
            await shot(cache, "clusters", []),
            await shot(cache, "topology", ["2", "E"]),
            await shot(cache, "cluster", ["N", "down", "down", "down", "down", "enter"],
                       after=lambda app: app.screen.show_tab("tab-unhealthy")),
            await shot(cache, "rollouts", ["3"]),
            await shot(cache, "application", ["3", "enter"],
                       after=lambda app: app.screen.show_tab("tab-placement")),
            await shot(cache, "watch-help", ["question_mark"], watch=True),
            await shot(cache, "light-theme", [], theme="fleet-light"),
        ]
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
