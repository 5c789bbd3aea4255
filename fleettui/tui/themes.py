"""Themes are data: YAML files in the project's `themes/` folder and in the user's
theme folder (`fleettui.config.paths.user_themes_dir()`), each mapping to the
fields of `textual.theme.Theme`. A bad user file is reported and skipped, never
fatal: the dashboard must open even when someone's theme has a typo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from textual.theme import Theme

from fleettui.config import yamlfile
from fleettui.config.errors import ConfigError
from fleettui.config.paths import user_themes_dir

DEFAULT_THEME = "fleet-dark"
NO_COLOR_THEME = "fleet-monochrome"

_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
           "background", "surface", "panel", "boost")


def builtin_themes_dir() -> Path:
    """The `themes/` folder next to the package (a source checkout or editable install)."""
    return Path(__file__).resolve().parents[2] / "themes"


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def theme_from_mapping(data: object, *, source: str) -> Theme:
    """One theme from a parsed YAML document; ValueError says what is wrong and where."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a theme is a mapping of Theme fields")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source}: 'name' is required")
    if not isinstance(data.get("primary"), str):
        raise ValueError(f"{source}: 'primary' (a colour) is required")
    unknown = set(data) - {"name", "dark", "variables", *_FIELDS}
    if unknown:
        raise ValueError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise ValueError(f"{source}: 'variables' must be a mapping")
    kwargs = {k: str(data[k]) for k in _FIELDS if data.get(k) is not None}
    try:
        theme = Theme(name=name, dark=bool(data.get("dark", True)),
                      variables={str(k): str(v) for k, v in variables.items()}, **kwargs)
        theme.to_color_system()  # validates every colour now, not at first paint
    except Exception as exc:  # Textual raises several kinds for bad colours
        raise ValueError(f"{source}: {exc}") from exc
    return theme


def load_theme_file(path: Path) -> Theme:
    try:
        data = yamlfile.load_file(path, what="theme")
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from exc
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc
    return theme_from_mapping(data, source=str(path))


def load_themes(folders: Iterable[Path] | None = None) -> LoadedThemes:
    """Every theme in the built-in folder, then the user folder (same name: user wins)."""
    if folders is None:
        folders = [builtin_themes_dir(), user_themes_dir()]
    out = LoadedThemes()
    by_name: dict[str, Theme] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            try:
                theme = load_theme_file(path)
            except ValueError as exc:
                out.errors.append(str(exc))
                continue
            by_name[theme.name] = theme
    out.themes = list(by_name.values())
    return out


def theme_names(loaded: LoadedThemes | None = None) -> list[str]:
    """Every name `--theme` accepts: ours (themes/ and the user folder) and Textual's own."""
    from textual.theme import BUILTIN_THEMES

    loaded = loaded if loaded is not None else load_themes()
    return sorted({*BUILTIN_THEMES, *(t.name for t in loaded.themes)})


def initial_theme(requested: str | None, available: Iterable[str]) -> str:
    """NO_COLOR (https://no-color.org) wins over everything but an explicit choice."""
    names = set(available)
    if requested and requested in names:
        return requested
    if os.environ.get("NO_COLOR") and NO_COLOR_THEME in names:
        return NO_COLOR_THEME
    return DEFAULT_THEME if DEFAULT_THEME in names else "textual-dark"
