"""DataTable cells rendered without a Rich console pass, for one-line Text.

Textual renders every DataTable cell as `Styled(Padding(cell), pre, post)` through
`Console.render_lines` (~0.3 ms a cell), and its cell cache is keyed by the table's
update count: after a sort, a filter or a pane switch the ~45 visible rows x 13
columns are all rendered again, which was most of a key press at 1,000 clusters.
For a one-line `Text` that fits its column, that pipeline reduces to: the text's
segments (its base style as the lowest span, as `Text.__rich_console__` joins it),
padding with the null style, and `base + {row, column} + component + segment + post`
as each segment's style. Anything else (wrapping, justification, tabs, styles that
carry meta or links of their own, other renderables) returns None and takes
Textual's own path; tests/tui/test_one_line_cells.py compares both.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_JOIN = Text("\n")  # what Text.__rich_console__ joins its wrapped lines with
_NULL = Style()
_KEEP = 4096  # entries of each cache before it starts again (a screenful is ~600 cells)


class OneLineCells:
    """One table's renderer, with what stays true between renders: a cell object's own
    segments (the tables keep a row's Text objects while its data is unchanged) and the
    styles combined from (base, component, segment, post)."""

    def __init__(self) -> None:
        # plain dicts, emptied when full: an LRU's bookkeeping cost as much as the render
        self._segments: dict[int, tuple[Text, list[tuple[str, Style | None]], int]] = {}  # ..., cell_len
        self._styles: dict[tuple, Style] = {}

    def render(self, console: Console, cell: object, width: int, padding: int, base: Style,
               meta: Style, component: Style, post: Style) -> list[list[Segment]] | None:
        """The cell's one line of segments, or None if it needs Rich's full render. `meta`
        is the cell's {row, column} (added after the rest: it has no colour or attribute,
        so only the meta and link id it carries matter, and those are refused below)."""
        if type(cell) is not Text:  # a subclass may render itself differently
            return None
        inner = width - 2 * padding
        hit = self._segments.get(id(cell))
        if hit is None or hit[0] is not cell:
            length = cell.cell_len
            if inner < 1 or length > inner:
                return None
            own = _own_segments(console, cell)
            if own is None:
                return None
            hit = (cell, own, length)
            if len(self._segments) >= _KEEP:
                self._segments.clear()
            self._segments[id(cell)] = hit
        own, length = hit[1], hit[2]
        if inner < 1 or length > inner:
            return None
        if (fill := inner - length) > 0:
            own = [*own, (" " * fill, _NULL)]
        if padding:
            pad = (" " * padding, _NULL)
            own = [pad, *own, pad]
        styles = self._styles
        finals: dict[Style | None, Style] = {}
        segments = []
        for text, style in own:
            final = finals.get(style)
            if final is None:
                key = (base, component, post, style)
                combined = styles.get(key)
                if combined is None:
                    combined = base + component + style
                    combined = combined + post if combined else post
                    if len(styles) >= _KEEP:
                        styles.clear()
                    styles[key] = combined
                final = finals[style] = combined + meta
            segments.append(Segment(text, final))
        return [segments]


def _own_segments(console: Console, cell: Text) -> list[tuple[str, Style | None]] | None:
    plain = cell.plain
    if (cell.justify not in (None, "default") or cell.end not in ("\n", "")
            or "\n" in plain or "\t" in plain):
        return None
    own = [(text, style) for text, style, _ in _JOIN.join((cell,)).render(console)]
    if any(style is not None and (style._meta or style._link_id) for _, style in own):
        return None  # its own meta or link would be ordered differently against the cell's
    return own
