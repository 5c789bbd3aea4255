"""Themes are data: the built-in four load, a user folder adds and overrides,
and a broken user file is reported, never fatal."""

from __future__ import annotations

from fleettui.tui.themes import builtin_themes_dir, initial_theme, load_themes


def test_builtin_themes_load():
    loaded = load_themes([builtin_themes_dir()])
    assert loaded.errors == []
    names = {t.name for t in loaded.themes}
    assert {"fleet-dark", "fleet-light", "fleet-high-contrast", "fleet-monochrome"} <= names


def test_user_theme_folder_adds_overrides_and_reports_errors(tmp_path):
    user = tmp_path / "themes"
    user.mkdir()
    (user / "solar.yaml").write_text("name: solar\nprimary: '#b58900'\nbackground: '#002b36'\n")
    (user / "dark.yaml").write_text("name: fleet-dark\nprimary: '#ff00ff'\n")
    (user / "typo.yaml").write_text("name: typo\nprimary: '#12'\ncolour: red\n")
    (user / "bad.yaml").write_text("name: [unclosed\n")
    loaded = load_themes([builtin_themes_dir(), user])
    by_name = {t.name: t for t in loaded.themes}
    assert "solar" in by_name
    assert by_name["fleet-dark"].primary == "#ff00ff"  # the user's wins
    assert len(loaded.errors) == 2
    assert any("typo.yaml" in e and "colour" in e for e in loaded.errors)
    assert any("bad.yaml" in e for e in loaded.errors)


def test_bad_colour_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "x.yaml").write_text("name: x\nprimary: not-a-colour\n")
    loaded = load_themes([tmp_path])
    assert loaded.themes == [] and "x.yaml" in loaded.errors[0]


def test_initial_theme(monkeypatch):
    names = ["fleet-dark", "fleet-monochrome", "fleet-light"]
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert initial_theme(None, names) == "fleet-dark"
    assert initial_theme("fleet-light", names) == "fleet-light"
    assert initial_theme("nope", names) == "fleet-dark"
    monkeypatch.setenv("NO_COLOR", "1")
    assert initial_theme(None, names) == "fleet-monochrome"
    assert initial_theme("fleet-light", names) == "fleet-light"  # an explicit choice wins
