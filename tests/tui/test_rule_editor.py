"""The rule editor (e in the alerts pane): checked on save with the real promtool, errors
with their position keep the buffer and cursor and write nothing; a clean save plans,
asks, then saves the file and distributes."""

from __future__ import annotations

import shutil

import pytest
import yaml

from fleettui.tui.screens.dialogs import Confirm, PathPrompt
from fleettui.tui.screens.rule_editor import RuleEditor
from fleettui.tui.screens.rule_plan import RulePlan
from tui.conftest import make_app, settle
from tui.test_alerts_pane import _alerts, _text

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (make test installs it)")

RULE = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": "node-rules", "namespace": "monitoring"},
        "spec": {"groups": [{"name": "nodes", "rules": [
            {"alert": "KubeNodeNotReady", "expr": 'kube_node_status_condition{condition="Ready",status="true"} == 0',
             "for": "15m", "labels": {"severity": "critical"}}]}]}}


async def _until(pilot, check, limit: float = 20.0) -> None:
    waited = 0.0
    while not check() and waited < limit:
        await pilot.pause(0.1)
        waited += 0.1


async def test_edit_check_refuses_with_position_then_plans_and_distributes(alerts_cache, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(RULE, sort_keys=False))
    original = path.read_text()
    app = make_app(alerts_cache)
    applied: list[dict] = []
    app._apply_document = applied.append  # the hub write itself is the engine's (tested there)
    async with app.run_test(size=(120, 40)) as pilot:
        await _alerts(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        app.screen.query_one("#path").value = str(path)
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, RuleEditor))
        editor = app.screen
        assert isinstance(editor, RuleEditor) and editor.editor.text == original
        assert editor.editor.language == "yaml"

        broken = original.replace("== 0", "== (")
        editor.editor.text = broken
        editor.editor.move_cursor((5, 3))
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: editor.check is not None)
        await settle(pilot)
        problems = _text(editor.query_one("#rule-editor-problems"))
        assert not editor.check.ok and "nodes/KubeNodeNotReady" in problems and "1:" in problems, problems
        assert editor.editor.text == broken and editor.editor.cursor_location == (5, 3)
        assert app.screen is editor and path.read_text() == original and applied == []

        editor.editor.text = "spec: [unclosed\n"
        editor.check = None
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: editor.check is not None)
        assert "rules.yaml:2:1: invalid YAML" in _text(editor.query_one("#rule-editor-problems"))

        fixed = original.replace("for: 15m", "for: 5m")
        editor.editor.text = fixed
        editor.check = None
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: isinstance(app.screen, RulePlan))
        assert isinstance(app.screen, RulePlan) and editor.check.ok
        # no Prometheus in this fleet: every row says so, and the plan still offers to ship
        assert all(r.unknown.startswith("no Prometheus") for p in editor.plans for r in p.rows)
        await pilot.press("a")
        await settle(pilot)
        assert path.read_text() == fixed
        [doc] = applied
        assert doc["kind"] == "Application" and doc["metadata"]["name"] == "node-rules"
        rule = doc["spec"]["components"][0]["properties"]["objects"][0]
        assert rule["spec"]["groups"][0]["rules"][0]["for"] == "5m"


async def test_cancel_asks_before_it_throws_an_edit_away(alerts_cache, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(RULE, sort_keys=False))
    app = make_app(alerts_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await _alerts(pilot)
        editor = RuleEditor(path, path.read_text(), [], None)
        app.push_screen(editor)
        await pilot.pause()
        editor.editor.insert("# a note\n", (0, 0))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is editor and editor.editor.text.startswith("# a note")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is not editor


async def test_the_edit_key_is_refused_in_read_only_mode(alerts_cache):
    app = make_app(alerts_cache, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _alerts(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, PathPrompt)
