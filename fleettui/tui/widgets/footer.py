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

from collections import defaultdict
from itertools import groupby

from textual.app import ComposeResult
from textual.binding import Binding
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

    def _specs(self) -> list[tuple] | None:
        """What compose() would yield, as (key, key_display, description, action, disabled,
        tooltip, palette) per key, without building the widgets; None if any bindings
        would be grouped (left to compose)."""
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        display = self.app.get_key_display
        out = []
        for group, multi in groupby(by_action.values(), lambda m: m[0][0].group):
            multi_bindings = list(multi)
            if group is not None and len(multi_bindings) > 1:
                return None
            for (binding, enabled, tooltip), *_ in multi_bindings:
                out.append((binding.key, display(binding), binding.description, binding.action, not enabled,
                            tooltip or None, False))
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            entry = active.get(self.app.COMMAND_PALETTE_BINDING)
            if entry is not None:
                _, binding, enabled, _ = entry
                out.append((binding.key, display(binding), binding.description, binding.action, not enabled,
                            binding.tooltip or binding.description or None, True))
        return out

    async def _update_in_place(self) -> bool:
        """Give the FooterKeys shown the keys compose() would yield now, mounting or
        removing only the difference in number; False (nothing changed) if either side
        has anything but plain FooterKeys."""
        specs = self._specs()
        old = list(self.children)
        if specs is None or not all(type(w) is FooterKey and "-grouped" not in w.classes for w in old):
            return False
        is_palette = [w.has_class("-command-palette") for w in old]
        if is_palette != sorted(is_palette):
            return False  # the palette key, if any, is last
        keep = [w for w in old if not w.has_class("-command-palette")]
        want = [spec for spec in specs if not spec[6]]
        for widget, spec in zip(keep, want, strict=False):
            _assign(widget, spec)
        if len(keep) > len(want):
            await self.remove_children(keep[len(want):])
        elif len(want) > len(keep):
            before = next((w for w in old if w.has_class("-command-palette")), None)
            await self.mount_all([_key(spec) for spec in want[len(keep):]], before=before)
        old_palette = [w for w in old if w.has_class("-command-palette")]
        new_palette = [spec for spec in specs if spec[6]]
        if old_palette and new_palette:
            _assign(old_palette[0], new_palette[0])
        elif old_palette:
            await old_palette[0].remove()
        elif new_palette:
            await self.mount(_key(new_palette[0]))
        return True


def _key(spec: tuple) -> FooterKey:
    key, display, description, action, disabled, tooltip, palette = spec
    widget = FooterKey(key, display, description, action, disabled=disabled, tooltip=tooltip or "",
                       classes="-command-palette" if palette else "")
    return widget if palette else widget.data_bind(compact=Footer.compact)


def _assign(widget: FooterKey, spec: tuple) -> None:
    """`widget` shows this binding from now on."""
    now = (widget.key, widget.key_display, widget.description, widget.action, widget._disabled, widget.tooltip)
    if now == spec[:6]:
        return
    widget.key, widget.key_display, widget.description, widget.action = spec[:4]
    widget._disabled = spec[4]
    widget.set_class(spec[4], "-disabled")
    widget.tooltip = spec[5]
    widget.refresh(layout=True)  # its width follows its words
