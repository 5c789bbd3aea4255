"""The alert screen against the real harness: the rule comes from the cluster's own
Prometheus (`/api/v1/rules`) and its expression is plotted from `query_range`."""
# ruff: noqa: F811  (the `fleet` fixture comes from the harness' one home)

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from cli.test_rules_e2e import PENDING, A, eventually, fleet, rule_file, run  # noqa: F401  (fleet: fixture)

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


def test_silence_from_the_pane_then_list_and_expire_it(fleet, capsys):
    path = rule_file(fleet["dir"], "silencecheck", PENDING)
    code, _, err = run(fleet, "rules", "apply", str(path), "--window", "1m", capsys=capsys)
    assert code == 0, err

    def items() -> list[dict]:
        code, out, _ = run(fleet, "alerts", "--refresh", "-o", "json", capsys=capsys)
        assert code == 0
        return [a for a in json.loads(out)["items"] if a["alertname"] == "silencecheck"]

    assert eventually(lambda: [a["state"] for a in items()] == ["firing"], within=15)
    cache = Path(fleet["dir"]) / "cache.db"
    app = make_app(cache, clock=time.time, pane_options={"fleet": FleetFile.load(Path(fleet["dir"]) / "fleet.yaml")})
    asyncio.run(_silence_and_expire(app))
    code, out, _ = run(fleet, "silence", "list", "-o", "json", capsys=capsys)
    assert json.loads(out)["items"] == []


async def _silence_and_expire(app) -> None:
    from fleettui.tui.screens.silences import SilencesScreen

    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _alerts(pilot)
        pane.set_filter("alertname=silencecheck")
        await settle(pilot)
        pane.focus_table()
        pane.table.move_cursor(row=1)
        await pilot.press("s")
        await pilot.pause()
        app.screen.query_one("#silence-comment").value = "pane e2e"
        await pilot.press("enter")
        for _ in range(50):
            if any(n.title == "silenced" for n in app._notifications):
                break
            await pilot.pause(0.1)
        assert [n.message for n in app._notifications if n.severity == "error"] == []
        await pilot.press("S")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SilencesScreen)
        for _ in range(50):
            if screen.silences:
                break
            await pilot.pause(0.1)
        [s] = screen.silences
        assert s.comment == "pane e2e" and s.state == "active" and s.created_by
        assert [str(m) for m in s.matchers] == ["alertname=silencecheck", f"cluster={A}"]
        await pilot.press("x")
        for _ in range(50):
            if not screen.silences:
                break
            await pilot.pause(0.1)
        assert screen.silences == []
