"""A DataTable updated by diff, keyed by a stable id (dolphie's pattern).

A refresh never clears and rebuilds: rows that left are removed, changed cells
are updated in place, new rows are added, and the table is re-sorted only when
the order changed. So the cursor stays on the row the user was looking at and a
refresh costs what changed, not what exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.binding import Binding
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import Row
from textual.widgets.data_table import DuplicateKey, RowDoesNotExist, RowKey

from fleettui.tui.widgets.one_line_cells import OneLineCells

Cells = tuple[Text, ...]
_EMPTY = Text()  # what DataTable shows for a missing cell (its own _EMPTY_TEXT)

# When more rows come or go than this (and than a quarter of the table), the table is
# refilled in order instead: Textual's remove_row re-indexes every row (a filter
# keystroke dropping 500 of 1,000 rows cost seconds), and rows added one by one must
# then be sorted into place.
REFILL_ABOVE = 64


class DiffTable(DataTable):
    DEFAULT_CSS = """
    DiffTable { height: 1fr; }
    """
    # Home/End go to the first/last row, as in k9s and less (DataTable scrolls sideways
    # with them; the panes fit their columns to the width instead)
    BINDINGS = [Binding("home", "scroll_top", "First row", show=False),
                Binding("end", "scroll_bottom", "Last row", show=False)]

    _restore_key: str | None = None

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._all_columns = dict(columns)
        self._column_keys = [key for key, _ in columns]
        # each shown row's cell signatures; None until first compared (a refill adds a
        # thousand rows without comparing any)
        self._shown: dict[str, tuple | None] = {}
        self._cells: dict[str, Cells] = {}  # the cell objects last applied, by row key
        self._order: list[str] = []
        self._one_line = OneLineCells()
        # each row's cells with their widths, kept while rows are filtered out and back: a
        # row whose cells are the very objects measured before is not measured again
        self._widths: dict[str, tuple[Cells, tuple[int, ...]]] = {}
        self._peak = 0  # the most rows shown at once
        self._lean_rows: dict[tuple, tuple] = {}  # see _render_line_in_row
        self._metas: dict[tuple[int, int], Style] = {}  # each cell's {row, column} meta style

    def on_mount(self) -> None:
        for key in self._column_keys:
            self.add_column(self._all_columns[key], key=key)

    @property
    def visible_columns(self) -> tuple[str, ...]:
        return tuple(self._column_keys)

    def show_columns(self, keys: Sequence[str]) -> bool:
        """Show only these columns (keys given at construction, in their order); True if
        that changed anything. The rows are dropped with the old columns, so the next
        `apply_rows` (with cells for exactly these columns) adds them back; the cursor
        returns to the row it was on then."""
        keys = list(keys)
        if keys == self._column_keys:
            return False
        self._restore_key = self.current_key
        self.clear(columns=True)
        self._shown.clear()
        self._cells.clear()
        self._widths.clear()
        self._order = []
        self._column_keys = keys
        for key in keys:
            self.add_column(self._all_columns[key], key=key)
        return True

    @property
    def shown_keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    @property
    def current_key(self) -> str | None:
        if not self._order or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        try:
            key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        except Exception:  # an empty or resizing table has no cell under the cursor
            return None
        return key.value

    def apply_rows(self, rows: Sequence[tuple[str, Cells]]) -> bool:
        """Make the table show exactly `rows`, in that order; True if anything changed."""
        wanted = dict(rows)
        order = [key for key, _ in rows]
        gone = [k for k in self._shown if k not in wanted]
        added = sum(1 for k in order if k not in self._shown)
        if len(gone) + added > max(REFILL_ABOVE, len(self._shown) // 4):
            self._refill(rows, order)
            return True
        changed = False
        resized: set = set()
        with self.app.batch_update():
            for key in gone:
                try:
                    self.remove_row(key)
                except RowDoesNotExist:
                    pass
                del self._shown[key]
                self._cells.pop(key, None)
                changed = True
                # DataTable keeps a column as wide as the widest cell it ever held: after
                # rows leave, the widths would depend on which refreshes came in between
                resized.update(self._column_keys)
            for key, cells in rows:
                was_cells = self._cells.get(key)
                if was_cells is not None and len(was_cells) == len(cells) and all(
                        a is b for a, b in zip(was_cells, cells, strict=True)):
                    continue  # the very cells on screen (a sort or a filter): nothing to compare
                sig = tuple(_signature(c) for c in cells)
                if key not in self._shown:
                    self.add_row(*cells, key=key)
                    changed = True
                elif (old := self._shown[key] or _signatures(was_cells)) != sig:
                    for col, cell, new, was in zip(self._column_keys, cells, sig, old, strict=True):
                        if new != was:
                            # widths once per column below: Textual re-measures the whole
                            # column per narrower cell, quadratic when every row's age ticks
                            self.update_cell(key, col, cell, update_width=False)
                            resized.add(col)
                    changed = True
                self._shown[key] = sig
                self._cells[key] = cells
            if resized:
                self._fit_widths(resized)
            if order != self._order:
                if self._displayed_keys() != order:
                    self._sort_to(order)
                self._order = order
                changed = True
            restore, self._restore_key = self._restore_key, None
            if restore in wanted:
                self.move_cursor(row=order.index(restore))
        return changed

    def _refill(self, rows: Sequence[tuple[str, Cells]], order: list[str]) -> None:
        """Every row again, in order; the cursor stays on its row if that is still shown,
        else on the same line."""
        restore = self._restore_key or self.current_key
        self._restore_key = None
        line = self.cursor_row
        with self.app.batch_update():
            self.clear()
            self._add_rows(rows)
            self._shown = dict.fromkeys(order)
            self._cells = dict(rows)
            self._order = order
            self._fit_widths(set(self._column_keys))
            if restore in self._shown:
                self.move_cursor(row=order.index(restore))
            elif order:
                self.move_cursor(row=max(0, min(line, len(order) - 1)))

    def _add_rows(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """`add_row` for each row (one line high, no label), its bookkeeping done once:
        per row, add_row re-reads the column order, re-validates the cursor and prompts
        the message pump (~60 ms for 1,000 rows, on every filter keystroke that brings
        rows back). Textual measures new rows' cells on idle through a Rich console (a
        terminal-size call per cell); the cells are one-line Text, so their widths are
        their cell lengths, measured by `_fit_widths` instead: they are not queued."""
        columns = [column.key for column in self.ordered_columns]
        locations, data, table_rows = self._row_locations, self._data, self.rows
        start = len(table_rows)
        for offset, (key, cells) in enumerate(rows):
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            row_key = RowKey(key)
            if row_key in locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            locations[row_key] = start + offset
            data[row_key] = dict(zip(columns, (*cells, *([None] * (len(columns) - len(cells)))), strict=True))
            table_rows[row_key] = Row(row_key, 1)
        if not rows:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if start == 0 and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a cell under the cursor where there was none
        self._update_count += 1
        self.check_idle()

    def _row_widths(self, key: str, cells: Cells) -> tuple[int, ...]:
        hit = self._widths.get(key)
        if hit is not None and (hit[0] is cells or (len(hit[0]) == len(cells) and all(
                a is b for a, b in zip(hit[0], cells, strict=True)))):
            if hit[0] is not cells:
                self._widths[key] = (cells, hit[1])  # the tuple shown now: found by identity next time
            return hit[1]
        widths = tuple(_cell_width(c) for c in cells)
        self._widths[key] = (cells, widths)
        return widths

    def _fit_widths(self, columns: set) -> None:
        """Each of these columns as wide as its widest cell or its label (one pass each)."""
        self._peak = max(self._peak, len(self._cells))
        if len(self._widths) > 2 * self._peak + REFILL_ABOVE:  # rows gone for good, not filtered out
            self._widths = {k: v for k, v in self._widths.items() if k in self._cells}
        per_row = [self._row_widths(key, cells) for key, cells in self._cells.items()]
        for col in columns:
            column = self.columns.get(col)
            if column is None:
                continue
            i = self._column_keys.index(col)
            column.content_width = max([_cell_width(column.label), *(w[i] for w in per_row)])
        self._require_update_dimensions = True

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> SegmentLines:
        # Textual's own cell render, minus the Rich console pass for one-line Text (see
        # one_line_cells); the cache key and the styles are Textual's, so cursor, hover,
        # header and theme look the same
        header = row_index == -1
        if column_index < 0:  # a row label (the panes' tables have none)
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._header_row_key if header else self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        height = self.header_height if header else self.rows[row_key].height
        if height != 1 or (not header and self.rows[row_key].auto_height):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if header:
            cell: object = self.ordered_columns[column_index].label
        else:
            cell = self._get_row_renderables(row_index).cells[column_index]
        component_style, post_style = self._get_styles_to_render_cell(
            header, False, not header and (row_index < self.fixed_rows or column_index < self.fixed_columns),
            hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        lines = self._one_line.render(self.app.console, cell, width, self.cell_padding, base_style,
                                      Style.from_meta({"row": row_index, "column": column_index}),
                                      component_style, post_style)
        if lines is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._cell_render_cache[cache_key] = lines
        return lines

    # -- one screenful of lines: what Textual works out per line, worked out per pass --
    #
    # A focus change, a sort or a refresh re-renders every line on screen (Textual's line
    # caches are keyed by the table's update count and its focus state). Per line, Textual
    # re-walks the widget's ancestors for its style (twice), re-reads each column's width
    # through reactives and builds a Coordinate per cell: ~0.3 ms a line, as much as the
    # cells themselves. For this table's shape (row cursor, one-line rows, no row labels,
    # no zebra stripes, no fixed rows), `_render_line_in_row` below does the same with
    # those worked out once per pass; any other shape takes Textual's path. A row's line
    # depends on whether the cursor or the hover is on that row, not on where they are,
    # so moving the cursor renders two rows again, not the screenful.
    # tests/tui/test_diff_table_lines.py compares both paths line by line.

    lean_lines = True  # False: Textual's own line render (tests compare the two)
    _pass: tuple | None = None  # (key, values) worked out once per render pass
    _pass_style: Style | None = None  # the widget's style during render_lines

    def render_lines(self, crop):  # type: ignore[no-untyped-def]
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        if self._pass_style is None or self.fixed_rows or not self.lean_lines:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        if not self.show_header or y >= self.get_row_height(self._header_row_key):
            y += scroll_y
        width = self.size.width
        return self._render_line(y, scroll_x, scroll_x + width, self._pass_style)

    def _lean(self) -> bool:
        return (self.lean_lines and self.cursor_type == "row" and not self.zebra_stripes and not self.fixed_rows
                and not (self._labelled_row_exists and self.show_row_labels))

    def _pass_values(self, base_style: Style) -> tuple:
        key = (self._update_count, self._pseudo_class_state, base_style, self.size.width, self.fixed_columns,
               self.show_cursor, self._show_hover_cursor)
        if self._pass is not None and self._pass[0] == key:
            return self._pass[1]
        columns = self.ordered_columns
        widths = [column.get_render_width(self) for column in columns]
        column_keys = [column.key for column in columns]
        # a cell's component and post styles, by (fixed-style cell, hover, cursor)
        css = (self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        cell_styles = {(fixed, hover, cursor): self._get_styles_to_render_cell(
            False, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor, *css)
            for fixed in (False, True) for hover in (False, True) for cursor in (False, True)}
        fixed_style = self.get_component_styles("datatable--fixed").rich_style + Style.from_meta({"fixed": True})
        table_width = sum(widths[self.fixed_columns:]) + self._row_label_column_width
        extend = {}
        for hover in (False, True):
            for cursor in (False, True):
                extend_style, _ = self._get_styles_to_render_cell(
                    False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor, False, False)
                extend[hover, cursor] = base_style + extend_style
        values = (widths, fixed_style, " " * max(0, self.size.width - table_width), extend, column_keys,
                  cell_styles, self.app.console, self.cell_padding)
        self._pass = (key, values)
        return values

    def _render_line_in_row(self, row_key, line_no, base_style, cursor_location, hover_location):  # type: ignore[no-untyped-def]
        if row_key is self._header_row_key or line_no or not self._lean():
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        row_index = self._row_locations.get(row_key)
        if row_index is None:
            row_index = -1
        cursor = row_index == cursor_location.row
        hover = row_index == hover_location.row
        cache_key = (row_key, row_index, base_style, cursor, hover, self.show_cursor, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state, self.size.width, self.fixed_columns)
        cached = self._lean_rows.get(cache_key)
        if cached is not None:
            return cached
        widths, fixed_style, space, extend, column_keys, cell_styles, console, padding = self._pass_values(base_style)
        fixed = self.fixed_columns
        data = self._data.get(row_key, {})
        metas = self._metas
        if len(metas) >= 4096:
            metas.clear()
        one_line = self._one_line.render

        def cell_line(i: int, style: Style) -> list[Segment]:
            meta = metas.get((row_index, i))
            if meta is None:
                meta = metas[row_index, i] = Style.from_meta({"row": row_index, "column": i})
            component, post = cell_styles[i < fixed, hover, cursor]
            cell = data.get(column_keys[i])
            lines = one_line(console, _EMPTY if cell is None else cell, widths[i], padding, style, meta,
                             component, post)
            if lines is None:  # not a one-line Text: Textual's own cell render
                lines = self._render_cell(row_index, i, style, widths[i], cursor, hover)
            return lines[0]

        fixed_row = [cell_line(i, fixed_style) for i in range(fixed)]
        scrollable_row = [cell_line(i, base_style) for i in range(len(widths))]
        extend_style = extend[hover, cursor] + Style.from_meta(
            {"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable_row.append([Segment(space, extend_style)])
        pair = (fixed_row, scrollable_row)
        if len(self._lean_rows) >= 512:  # a few screenfuls
            self._lean_rows.clear()
        self._lean_rows[cache_key] = pair
        return pair

    def _displayed_keys(self) -> list[str]:
        return [row.key.value for row in self.ordered_rows]

    def _sort_to(self, order: list[str]) -> None:
        # DataTable.sort hands the key function only the row's cell values, so the
        # rank is found through the first cell object, which is distinct per row.
        first = self._column_keys[0]
        rank = {id(self.get_cell(key, first)): i for i, key in enumerate(order)}
        self.sort(first, key=lambda cell: rank.get(id(cell), len(rank)))


def _signatures(cells: Cells | None) -> tuple:
    return tuple(_signature(c) for c in cells or ())


def _signature(cell: Text) -> tuple:
    # rich's Text equality ignores the base style, and a theme switch changes only that
    return (cell.plain, str(cell.style), tuple(cell.spans))


def _cell_width(cell: object) -> int:
    """Terminal cells a one-line cell takes (the table's cells are single-line)."""
    if isinstance(cell, Text):
        return cell.cell_len
    return cell_len(str(cell))
