"""Where fleettui keeps its files, following the XDG base directory spec.

Every path is computed on demand (not at import) so tests and the CLI can point
the environment somewhere else before asking.
"""

from __future__ import annotations

import os
from pathlib import Path

APP = "fleettui"


def _xdg(var: str, fallback: str) -> Path:
    # The spec says a relative value must be ignored, as if unset.
    value = os.environ.get(var, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / APP


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / APP


def cache_path(override: str | None = None) -> Path:
    """`--cache` > `FLEETTUI_CACHE` > `$XDG_CACHE_HOME/fleettui/cache.db`."""
    chosen = override or os.environ.get("FLEETTUI_CACHE") or ""
    if chosen:
        return Path(chosen).expanduser()
    return cache_dir() / "cache.db"


def fleet_file_path(override: str | None = None) -> Path:
    """`--fleet` > `$XDG_CONFIG_HOME/fleettui/fleet.yaml`."""
    if override:
        return Path(override).expanduser()
    return config_dir() / "fleet.yaml"


def user_themes_dir() -> Path:
    return config_dir() / "themes"


def default_kubeconfig_paths() -> list[str]:
    """What kubectl reads when `--kubeconfig` is not given: `$KUBECONFIG` or ~/.kube/config."""
    env = os.environ.get("KUBECONFIG", "")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    return [str(Path.home() / ".kube" / "config")]
