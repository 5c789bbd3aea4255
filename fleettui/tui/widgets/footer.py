"""Textual's Footer, recomposed only when the keys it would show changed.

Textual's Footer rebuilds all its key widgets on every `bindings_updated` signal: a
focus change or a pane switch sends it twice, the second time with the very
bindings of the first, and each rebuild mounts and styles ~30 widgets (a quarter
of a pane switch's CPU at 1,000 clusters). This one compares what it would show
with what it shows, after the refresh as Textual does, and skips a rebuild that
would change nothing.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from fleettui.tui.paint_hold import FOOTER_CAP


class FleetFooter(Footer):
    _shown: tuple | None = None

    def _wanted(self) -> tuple:
        return (self.compact, self.show_command_palette, self.combine_groups,
                tuple((binding, enabled, tooltip)
                      for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
                      if binding.show))

    def compose(self) -> ComposeResult:
        self._shown = self._wanted() if self._bindings_ready else None
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            # the screen waits for the footer of its new keys (one paint, not two)
            holds = getattr(self.app, "paint_holds", None)
            if holds is not None:
                holds.hold("footer", FOOTER_CAP)
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        try:
            if self.is_attached and self._wanted() != self._shown:
                await self.recompose()
        finally:
            holds = getattr(self.app, "paint_holds", None)
            if holds is not None:
                holds.release("footer")
