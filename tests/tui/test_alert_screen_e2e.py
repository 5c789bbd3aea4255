"""The alert screen against the real harness: the rule comes from the cluster's own
Prometheus (`/api/v1/rules`) and its expression is plotted from `query_range`."""
# ruff: noqa: F811  (the `fleet` fixture comes from the harness' one home)

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from alerts.test_rules_e2e import PENDING, A, eventually, fleet, rule_file, run  # noqa: F401  (fleet: fixture)

from fleettui.config.fleetfile import FleetFile
from fleettui.sim.promstack import missing_binaries
from fleettui.tui.screens.alert import AlertScreen
from tui.conftest import make_app, settle, wait_for_data
from tui.test_alerts_pane import _alerts, _text, open_alert

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))


def test_the_alert_screen_plots_the_rules_expression_from_its_clusters_prometheus(fleet, capsys):
    # the commands run their own event loop: the app gets its own after them

    path = rule_file(fleet["dir"], "screencheck", PENDING)
    code, _, err = run(fleet, "rules", "apply", str(path), "--window", "1m", capsys=capsys)
    assert code == 0, err

    def firing() -> bool:
        code, out, _ = run(fleet, "alerts", "--refresh", "-o", "json", capsys=capsys)
        return code == 0 and any(a["alertname"] == "screencheck" and a["state"] == "firing"
                                 for a in json.loads(out)["items"])

    assert eventually(firing, within=15)
    cache = Path(fleet["dir"]) / "cache.db"
    app = make_app(cache, clock=time.time, pane_options={"fleet": FleetFile.load(Path(fleet["dir"]) / "fleet.yaml")})
    asyncio.run(_drive(app))


async def _drive(app) -> None:
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_for_data(pilot)
        pane = await _alerts(pilot)
        await open_alert(pilot, pane, "alertname=screencheck")
        screen = app.screen
        assert isinstance(screen, AlertScreen) and screen.alert is not None and screen.alert.cluster == A
        for _ in range(100):
            if screen.history is not None:
                break
            await pilot.pause(0.1)
        h = screen.history
        assert h is not None and h.error is None, h
        assert h.rule is not None and h.rule.expr == PENDING and h.rule.health == "ok"
        # it is firing now, so the condition holds at the last steps and crossed at least once
        assert any(v is not None for v in h.values[-3:]) and h.crossings()
        await settle(pilot)
        text = _text(screen.query_one("#alert-history"))
        assert f"expr: {PENDING}" in text and "▲" in text and "crossed" in text
