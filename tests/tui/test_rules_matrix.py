"""The consistency matrix in the alerts pane (m): rule set × cluster cells from
`alerts.consistency.cell` over observed facts, Enter on a cell shows variant, live and diff."""

from __future__ import annotations

import copy

from alerts.test_consistency import OK, RULE, VARIANT, event, live

from fleettui.alerts import consistency as cs
from fleettui.alerts.consistency import ClusterFacts, cell
from fleettui.alerts.rulesets import Variant
from fleettui.tui.screens.rule_cell import RuleCellScreen
from tui.conftest import make_app, settle
from tui.test_alerts_pane import _alerts, _text


def _cells() -> list[cs.Cell]:
    drifted = copy.deepcopy(RULE)
    drifted["spec"]["groups"][0]["rules"][1]["for"] = "10m"  # someone edited it on the cluster
    return [
        cell("monitoring/alerts", "ack-hangzhou-a", Variant("ack-hangzhou-a", RULE, "deploy"), ClusterFacts(**OK)),
        cell("monitoring/alerts", "ack-shanghai-b", Variant("ack-shanghai-b", RULE, "deploy"),
             ClusterFacts(**{**OK, "live": live(drifted)})),
        cell("monitoring/alerts", "idc-beijing", VARIANT,
             ClusterFacts(**{**OK, "rule_groups": [], "events": [event("InvalidConfiguration", "1:10: parse error")]})),
    ]


async def test_m_shows_the_matrix_and_enter_opens_a_cell_with_its_diff(alerts_cache):
    calls = []

    async def gather() -> list[cs.Cell]:
        calls.append(1)
        return _cells()

    app = make_app(alerts_cache, pane_options={"rule_status": gather})
    async with app.run_test(size=(160, 48)) as pilot:
        pane = await _alerts(pilot)
        await pilot.press("m")
        for _ in range(50):
            if pane.matrix is not None:
                break
            await pilot.pause(0.05)
        assert calls == [1] and pane.showing_matrix
        status = _text(pane.query_one("#matrix-status"))
        assert "1 rule sets × 3 clusters" in status and "1 rejected" in status and "1 drifted" in status
        table = pane.query_one("#matrix-table")
        row = [str(c) for c in table.get_row_at(0)]
        assert row == ["monitoring/alerts", "● in sync", "▲ drifted", "✖ rejected"]
        table.focus()
        table.move_cursor(row=0, column=2)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RuleCellScreen) and screen.cell.cluster == "ack-shanghai-b"
        detail = _text(screen.query_one("#rule-cell-detail"))
        assert "Difference (path: live → variant)" in detail and "'10m' → '2m'" in detail
        assert "Variant (what this cluster should run)" in detail and "Live (the cluster's PrometheusRule)" in detail
        await pilot.press("escape")
        await pilot.press("m")  # back to the alerts
        await settle(pilot)
        assert not pane.showing_matrix and pane.table.display


async def test_a_failing_gather_is_said_in_the_view(alerts_cache):
    async def gather() -> list[cs.Cell]:
        raise RuntimeError("hub hub: connection refused")

    app = make_app(alerts_cache, pane_options={"rule_status": gather})
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _alerts(pilot)
        await pilot.press("m")
        for _ in range(50):
            if "unknown" in _text(pane.query_one("#matrix-status")):
                break
            await pilot.pause(0.05)
        assert "consistency unknown: hub hub: connection refused" in _text(pane.query_one("#matrix-status"))
