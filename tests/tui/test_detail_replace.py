"""A detail screen opened over another of the same kind (the palette's jump, the registry's
detail from a pane) replaces it without DuplicateIds: the old screen leaves the DOM a tick
after the new one arrives, so two screens of one kind must never share a fixed id."""

from __future__ import annotations

import pytest

from fleettui.tui import registry
from fleettui.tui.panes.base import Pane
from fleettui.tui.screens.detail import DetailScreen
from tui.conftest import make_app, settle, wait_for_data


def _item(screen: DetailScreen):
    # what the pane posted when Enter opened it
    return getattr(screen, "row", None) or getattr(screen, "alert", None) or screen.cluster


@pytest.mark.parametrize("pane_id", ["rollouts", "services", "alerts", "clusters"])
async def test_a_detail_opened_over_one_of_its_kind_replaces_it(services_cache, alerts_cache, pane_id):
    app = make_app(alerts_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        app.action_show_pane(pane_id)
        await settle(pilot)
        pane = app.query_one(f"#{pane_id}", Pane)
        if pane_id == "alerts":
            pane.table.move_cursor(row=1)  # row 0 is a group header
        await pilot.press("enter")
        await settle(pilot)
        first = app.screen
        spec = registry.spec_for(app.pane_specs, pane_id)
        assert spec is not None and isinstance(first, spec.detail)
        for _ in range(3):  # over and over, each in the same tick as the previous screen's pop
            pane.open_detail(_item(app.screen))
            await pilot.pause()
        await settle(pilot)
        assert isinstance(app.screen, spec.detail) and app.screen is not first
        assert len(app.screen_stack) == 2  # the pane's screen and one detail
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen_stack) == 1
