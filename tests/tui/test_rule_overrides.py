"""The rule editor's override form (Ctrl+O): add an override by cluster, a mistake said
under the form with every field kept and nothing changed, remove one; the editor's
buffer and its variant view follow."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from fleettui.alerts import overrides
from fleettui.engine.render import MemberCluster
from fleettui.tui.screens.rule_editor import RuleEditor
from fleettui.tui.screens.rule_overrides import OverrideForm
from tui.conftest import make_app, settle
from tui.fleet_fixture import DEMO_CLUSTERS
from tui.test_alerts_pane import _alerts, _text

EXAMPLE = Path(__file__).parents[2] / "examples" / "alert-rules.yaml"
FLEET = [MemberCluster(c[0], {"provider": c[1]}) for c in DEMO_CLUSTERS]


async def _until(pilot, check, limit: float = 10.0) -> None:
    waited = 0.0
    while not check() and waited < limit:
        await pilot.pause(0.1)
        waited += 0.1


async def _open(pilot, app, path: Path) -> tuple[RuleEditor, OverrideForm]:
    await _alerts(pilot)
    text = path.read_text()  # noqa: ASYNC240  (a small local file, as the app's own opener does in a thread)
    editor = RuleEditor(path, text, FLEET, None)
    app.push_screen(editor)
    await pilot.pause()
    await pilot.press("ctrl+o")
    await _until(pilot, lambda: isinstance(app.screen, OverrideForm))
    form = app.screen
    assert isinstance(form, OverrideForm)
    return editor, form


def _fill(form: OverrideForm, *, target: str, rule: str, field: str, value: str, name: str = "") -> None:
    form.query_one("#ov-name").value = name
    form.query_one("#ov-target").value = target
    form.query_one("#ov-rule").value = rule
    form.query_one("#ov-field").value = field
    form.query_one("#ov-value").value = value


async def test_add_an_override_by_cluster_then_the_buffer_and_variants_carry_it(alerts_cache, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(EXAMPLE.read_text())
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        editor, form = await _open(pilot, app, path)
        _fill(form, name="edge-slow", target="edge-shenzhen", rule="KubeNodeNotReady", field="for", value="10m")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [(o.name, o.target, o.rule, o.field, o.value) for o in form.rows] == [
            ("edge-slow", "edge-shenzhen", "KubeNodeNotReady", "for", "10m")]
        assert re.search(r"edge-shenzhen +edge-slow  groups\[0\]\.rules\[2\]\.for: '2m' → '10m'",
                         _text(form.query_one("#override-variants")))
        await pilot.press("escape")
        await _until(pilot, lambda: app.screen is editor)
        await settle(pilot, 0.8)  # the variant view re-renders once the text settles
        doc = yaml.safe_load(editor.editor.text)
        assert [(o.name, o.value) for o in overrides.listing(doc)] == [("edge-slow", "10m")]
        assert re.search(r"edge-shenzhen +edge-slow", _text(editor.query_one("#rule-editor-variants")))
        assert path.read_text() == EXAMPLE.read_text()  # nothing saved before Ctrl+S and the plan


async def test_bad_input_is_said_and_every_field_and_the_buffer_are_kept(alerts_cache, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(EXAMPLE.read_text())
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        editor, form = await _open(pilot, app, path)
        before = editor.editor.text
        _fill(form, target="edge-shenzen", rule="KubeNodeNotReady", field="for", value="10m")
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = _text(form.query_one("#override-error"))
        assert "unknown cluster edge-shenzen" in said and "edge-shenzhen" in said, said
        assert form.query_one("#ov-target").value == "edge-shenzen" and form.query_one("#ov-value").value == "10m"
        _fill(form, target="provider=edge", rule="KubeNodeNotReady", field="for", value="soon")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not a duration" in _text(form.query_one("#override-error"))
        _fill(form, target="provider in (edge)", rule="KubeNodeNotReady", field="for", value="5m")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "by equality only" in _text(form.query_one("#override-error"))
        assert form.rows == [] and form.document == form.original
        await pilot.press("escape")
        await _until(pilot, lambda: app.screen is editor)
        assert editor.editor.text == before


async def test_remove_an_override_from_the_list(alerts_cache, tmp_path):
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc = overrides.set_override(doc, name="edge-quiet", target="provider=edge", rule="KubePodPending",
                                 field="labels.severity", value="info", fleet=[m.name for m in FLEET])
    doc = overrides.set_override(doc, name="idc-slow", target="idc-beijing", rule="KubeNodeNotReady",
                                 field="expr threshold", value="1", fleet=[m.name for m in FLEET])
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        editor, form = await _open(pilot, app, path)
        assert [o.name for o in form.rows] == ["edge-quiet", "idc-slow"]
        form.table.focus()
        await pilot.press("down", "delete")
        await settle(pilot)
        assert [o.name for o in form.rows] == ["edge-quiet"]
        assert "removed idc-slow" in _text(form.query_one("#override-error"))
        await pilot.press("escape")
        await _until(pilot, lambda: app.screen is editor)
        left = yaml.safe_load(editor.editor.text)
        assert [p["name"] for p in left["spec"]["policies"]] == ["everywhere", "edge-quiet-clusters", "edge-quiet"]
        assert [s["name"] for s in left["spec"]["workflow"]["steps"]] == ["deploy-everywhere", "deploy-edge-quiet"]


async def test_enter_on_a_row_edits_it_in_place(alerts_cache, tmp_path):
    doc = overrides.set_override(yaml.safe_load(EXAMPLE.read_text()), name="edge-slow", target="edge-shenzhen",
                                 rule="KubeNodeNotReady", field="for", value="10m", fleet=[m.name for m in FLEET])
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        editor, form = await _open(pilot, app, path)
        form.table.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert form.editing == form.rows[0]
        assert (form.query_one("#ov-target").value, form.query_one("#ov-value").value) == ("edge-shenzhen", "10m")
        form.query_one("#ov-target").value = "edge-shenzhen,idc-beijing"
        form.query_one("#ov-value").value = "15m"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [(o.name, o.target, o.value) for o in form.rows] == [("edge-slow", "edge-shenzhen,idc-beijing", "15m")]
        await pilot.press("escape")
        await _until(pilot, lambda: app.screen is editor)
        assert [(o.target, o.value) for o in overrides.listing(yaml.safe_load(editor.editor.text))] == [
            ("edge-shenzhen,idc-beijing", "15m")]


async def test_saving_with_no_rule_picked_asks_for_one(alerts_cache, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(EXAMPLE.read_text())
    app = make_app(alerts_cache)
    async with app.run_test(size=(160, 48)) as pilot:
        editor, form = await _open(pilot, app, path)
        form.query_one("#ov-target").value = "edge-shenzhen"
        form.query_one("#ov-value").value = "3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        said = _text(form.query_one("#override-error"))
        assert said.startswith("pick a rule (rules: ") and "select" not in said
        assert form.rows == [] and form.query_one("#ov-target").value == "edge-shenzhen"
