"""A refresh that lands while the app shuts down is dropped, not a traceback on quit."""

from __future__ import annotations

from fleettui.tui.messages import Refreshed
from tui.conftest import make_app, settle


async def test_a_refresh_arriving_after_shutdown_is_dropped(fleet_cache) -> None:
    app = make_app(fleet_cache)
    seen: list[Refreshed] = []
    post = app.post_message

    def keep(message) -> bool:
        if isinstance(message, Refreshed):
            seen.append(message)
        return post(message)

    app.post_message = keep  # type: ignore[method-assign]
    async with app.run_test() as pilot:
        await settle(pilot)
    assert seen and any(n.startswith("pane:") for n in seen[-1].data.parts)
    # the worker's last message, handled after the screens were torn down
    app._refreshed(seen[-1])
