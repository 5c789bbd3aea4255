"""DataTable cells rendered without a Rich console pass, for one-line Text.

Textual renders every DataTable cell as `Styled(Padding(cell), pre, post)` through
`Console.render_lines` (~0.3 ms a cell), and its cell cache is keyed by the table's
update count: after a sort, a filter or a pane switch the ~45 visible rows x 13
columns are all rendered again, which was most of a key press at 1,000 clusters.
For a one-line `Text` that fits its column, that pipeline reduces to: the text's
segments (its base style as the lowest span, as `Text.__rich_console__` joins it),
padding with the null style, and the pre/post styles applied to every segment.
Anything else (wrapping, justification, tabs, other renderables) returns None and
takes Textual's own path; tests/tui/test_one_line_cells.py compares both.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_JOIN = Text("\n")  # what Text.__rich_console__ joins its wrapped lines with
_NULL = Style()


def one_line_cell(console: Console, cell: object, width: int, padding: int,
                  pre_style: Style, post_style: Style) -> list[list[Segment]] | None:
    """The cell's one line of segments, or None if it needs Rich's full render."""
    if type(cell) is not Text:  # a subclass may render itself differently
        return None
    inner = width - 2 * padding
    plain = cell.plain
    if (inner < 1 or cell.justify not in (None, "default") or cell.end not in ("\n", "")
            or "\n" in plain or "\t" in plain or cell.cell_len > inner):
        return None
    segments = [*_JOIN.join((cell,)).render(console)]
    if (fill := inner - cell.cell_len) > 0:
        segments.append(Segment(" " * fill, _NULL))
    if padding:
        pad = Segment(" " * padding, _NULL)
        segments = [pad, *segments, pad]
    if pre_style:
        segments = [Segment(text, pre_style + style) for text, style, _ in segments]
    if post_style:
        segments = [Segment(text, style + post_style if style else post_style)
                    for text, style, _ in segments]
    return [segments]
