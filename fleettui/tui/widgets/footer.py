"""Textual's Footer, rebuilt only when the keys it would show changed, and then in place.

Textual's Footer rebuilds all its key widgets on every `bindings_updated` signal: a
focus change or a pane switch sends it twice, the second time with the very
bindings of the first, and each rebuild mounts and styles ~30 widgets (a quarter
of a pane switch's CPU at 1,000 clusters). This one compares what it would show
with what it shows, after the refresh as Textual does, and skips a rebuild that
would change nothing. When the keys did change (another pane, the filter box
focused), the FooterKey widgets it has are given the new keys, and only the
difference in number is mounted or removed: the same widgets and CSS as Textual's,
without mounting and styling thirty of them again. Grouped bindings (none in
fleettui's keys) take Textual's full recompose.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

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
            if self.is_attached and (wanted := self._wanted()) != self._shown:
                if not await self._update_in_place():
                    await self.recompose()
                self._shown = wanted
        finally:
            holds = getattr(self.app, "paint_holds", None)
            if holds is not None:
                holds.release("footer")

    async def _update_in_place(self) -> bool:
        """Give the FooterKeys shown the keys compose() would yield now; False (nothing
        changed) if either side has anything but plain FooterKeys."""
        new = list(super().compose())  # FooterKey objects, never mounted
        old = list(self.children)
        if not all(type(w) is FooterKey and "-grouped" not in w.classes for w in (*old, *new)):
            return False
        palette = [w.has_class("-command-palette") for w in old]
        if palette != sorted(palette) or [w.has_class("-command-palette") for w in new] != sorted(
                w.has_class("-command-palette") for w in new):
            return False  # the palette key, if any, is last on both sides
        keep = [w for w in old if not w.has_class("-command-palette")]
        want = [w for w in new if not w.has_class("-command-palette")]
        for widget, key in zip(keep, want, strict=False):
            _assign(widget, key)
        if len(keep) > len(want):
            await self.remove_children(keep[len(want):])
        elif len(want) > len(keep):
            before = next((w for w in old if w.has_class("-command-palette")), None)
            await self.mount_all(want[len(keep):], before=before)
        old_palette = [w for w in old if w.has_class("-command-palette")]
        new_palette = [w for w in new if w.has_class("-command-palette")]
        if old_palette and new_palette:
            _assign(old_palette[0], new_palette[0])
        elif old_palette:
            await old_palette[0].remove()
        elif new_palette:
            await self.mount(new_palette[0])
        return True


def _assign(widget: FooterKey, key: FooterKey) -> None:
    """`widget` shows `key`'s binding from now on."""
    now = (widget.key, widget.key_display, widget.description, widget.action, widget._disabled, widget.tooltip)
    then = (key.key, key.key_display, key.description, key.action, key._disabled, key.tooltip)
    if now == then:
        return
    widget.key, widget.key_display, widget.description, widget.action = then[:4]
    widget._disabled = key._disabled
    widget.set_class(key._disabled, "-disabled")
    widget.tooltip = key.tooltip
    widget.refresh(layout=True)  # its width follows its words
