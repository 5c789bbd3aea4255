"""The app-wide key bindings, with k9s habits. A pane's own keys (and which of them
write) are in its `ACTIONS` and the registry (`tui/registry.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding

from fleettui.tui.registry import PaneSpec

APP_BINDINGS = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("colon", "palette", "Jump", key_display=":"),
    Binding("slash", "filter", "Filter", key_display="/"),
    Binding("tab", "next_pane", "Pane", priority=True),
    Binding("shift+tab", "previous_pane", "Previous pane", show=False, priority=True),
    Binding("escape", "back", "Back", show=False),
    Binding("T", "themes", "Theme", key_display="T"),
    Binding("ctrl+r", "refresh_now", "Refresh", show=False),
]


def pane_bindings(specs: Sequence[PaneSpec]) -> list[Binding]:
    return [Binding(s.key, f"show_pane('{s.id}')", s.title, show=False) for s in specs]
