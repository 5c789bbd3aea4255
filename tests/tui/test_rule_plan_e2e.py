"""The rule editor's save against the real harness: after the offline checks, each
cluster's variant is checked and backtested on that cluster's own Prometheus, one
cluster's Prometheus down is a row "unknown: <why>" (the others measured), nothing is
written anywhere before the choice, and canary-first ships the gated workflow."""
# ruff: noqa: F811  (the `fleet` fixture comes from the harness' one home)

from __future__ import annotations

import asyncio
import io
import json
import urllib.parse
import urllib.request

import pytest
from cli.test_rules_e2e import PENDING, A, B, C, eventually, fleet, rule_file, rules_on  # noqa: F401
from rich.console import Console

from fleettui.alerts.planning import live_planner
from fleettui.alerts.status import deployed_rules
from fleettui.config.kubeconfig import load_kubeconfig
from fleettui.engine.render import MemberCluster
from fleettui.sim.promstack import missing_binaries
from fleettui.tui.screens.rule_editor import RuleEditor
from fleettui.tui.screens.rule_plan import RulePlan
from tui.conftest import make_app, settle
from tui.test_alerts_pane import _alerts, _text

pytestmark = pytest.mark.skipif(missing_binaries() is not None, reason=str(missing_binaries()))

DEAD = "http://127.0.0.1:9"  # discard port: nothing listens


def _pending_on(url: str) -> bool:
    q = urllib.parse.urlencode({"query": PENDING})
    with urllib.request.urlopen(f"{url}/api/v1/query?{q}", timeout=5) as r:
        return bool(json.load(r)["data"]["result"])


async def test_plan_has_live_rows_an_unknown_row_for_a_dead_prometheus_and_canary_first(fleet, alerts_cache):
    proms = fleet["stack"]["prometheus"]
    assert eventually(lambda: _pending_on(proms[A]), within=30)  # A's Prometheus holds the series to backtest
    path = rule_file(fleet["dir"], "editorplan", PENDING)
    original = path.read_text()
    kubeconfig = load_kubeconfig(str(fleet["kubeconfig"]))

    async def deployed(rs, variants):
        return await deployed_rules(kubeconfig, {c: c for c in (A, B, C)}, rs, variants)

    live = live_planner({A: proms[A], B: proms[B], C: DEAD}, deployed, timeout=3.0)
    app = make_app(alerts_cache)
    applied: list[dict] = []
    app._apply_document = applied.append  # the hub's write is the engine's (tests/engine/test_rule_canary.py)
    async with app.run_test(size=(160, 48)) as pilot:
        await _alerts(pilot)
        editor = RuleEditor(path, original, [MemberCluster(A), MemberCluster(B), MemberCluster(C)], None, live)

        def edited(edit) -> None:
            if edit is not None:
                path.write_text(edit.text)
                applied.extend(edit.documents)

        app.push_screen(editor, edited)
        await pilot.pause()
        await pilot.press("ctrl+s")
        for _ in range(600):
            if isinstance(app.screen, RulePlan):
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, RulePlan), _text(editor.query_one("#rule-editor-problems"))
        [plan] = editor.plans
        rows = {r.cluster: r for r in plan.rows}
        assert rows[A].would_fire >= 1 and rows[A].firing_now == 1 and rows[A].unknown == ""
        assert rows[A].sparkline and set(rows[A].sparkline) - {"·"}
        assert (rows[B].would_fire, rows[B].firing_now, rows[B].unknown) == (0, 0, "")
        assert rows[C].would_fire is None and rows[C].unknown, rows[C]
        assert {r.change for r in plan.rows} == {"new"}  # C's API answers: only its Prometheus is down
        assert not plan.errors
        await settle(pilot)
        console = Console(width=160, record=True, file=io.StringIO())
        console.print(app.screen.body)
        body = console.export_text()
        assert f"{C}: unknown: {rows[C].unknown}" in body and "▲ 1 firing" in body and "? unknown" in body
        # nothing anywhere before the choice
        held = await asyncio.to_thread(lambda: [rules_on(fleet, c) for c in (A, B, C)])
        assert all("editorplan" not in names for names in held) and path.read_text() == original

        await pilot.press("c")
        await settle(pilot)
    [doc] = applied
    steps = doc["spec"]["workflow"]["steps"]
    assert [(s["name"], s["type"]) for s in steps] == [("deploy-canary", "deploy"), ("gate", "suspend"),
                                                       ("deploy-topology", "deploy")]
    assert next(p for p in doc["spec"]["policies"] if p["name"] == "canary")["properties"] == {"clusters": [A]}
