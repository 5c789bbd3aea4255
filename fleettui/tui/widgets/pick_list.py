"""A SelectionList a keyboard user and a monochrome terminal can both use.

Textual's SelectionList marks a picked row by the colour of its toggle alone (the
same `X` either way), which NO_COLOR and monochrome terminals cannot show, and it
highlights no row until an arrow key is pressed, so Space does nothing on a freshly
focused list. Here a row says `[x]` or `[ ]`, and the first row is highlighted as
soon as the list has focus and options.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widgets import OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

PICKED, UNPICKED = "[x]", "[ ]"


class PickList(SelectionList[str]):
    def on_focus(self, event: events.Focus) -> None:
        self._highlight_first(focused=True)

    def add_options(self, items: Iterable[Any]) -> PickList:
        super().add_options(items)
        self._highlight_first()
        return self

    def set_options(self, options: Iterable[Any]) -> PickList:
        super().set_options(options)
        self._highlight_first()
        return self

    def _highlight_first(self, *, focused: bool = False) -> None:
        # `has_focus` is not yet true while the Focus event is being handled
        if (focused or self.has_focus) and self.highlighted is None and self.option_count:
            self.highlighted = 0

    def _get_left_gutter_width(self) -> int:
        return len(PICKED) + 1

    def render_line(self, y: int) -> Strip:
        # the option's own line (OptionList's), with our marker instead of the toggle
        line = OptionList.render_line(self, y)
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        picked = selection.value in self.selected
        component = "selection-list--button"
        if picked:
            component += "-selected"
        if self.highlighted == index:
            component += "-highlighted"
        underlying = next(iter(line)).style or self.rich_style
        # the option index in the meta makes a click on the marker toggle that row
        mark_style = self.get_component_rich_style(component) + Style(meta={"option": index})
        return Strip([Segment(PICKED if picked else UNPICKED, style=mark_style),
                      Segment(" ", style=underlying), *line])
