"""A DataTable updated by diff, keyed by a stable id (dolphie's pattern).

A refresh never clears and rebuilds: rows that left are removed, changed cells
are updated in place, new rows are added, and the table is re-sorted only when
the order changed. So the cursor stays on the row the user was looking at and a
refresh costs what changed, not what exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from fleettui.tui.widgets.one_line_cells import OneLineCells

Cells = tuple[Text, ...]

# When more rows come or go than this (and than a quarter of the table), the table is
# refilled in order instead: Textual's remove_row re-indexes every row (a filter
# keystroke dropping 500 of 1,000 rows cost seconds), and rows added one by one must
# then be sorted into place.
REFILL_ABOVE = 64


class DiffTable(DataTable):
    DEFAULT_CSS = """
    DiffTable { height: 1fr; }
    """

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
            for key, cells in rows:
                self.add_row(*cells, key=key)
            # Textual measures each new row's cells on idle through a Rich console (a
            # terminal-size call per cell: ~2 s for 1,000 rows under load); the cells are
            # one-line Text, so the widths are their cell lengths, measured here per column
            new_rows = getattr(self, "_new_rows", None)
            if isinstance(new_rows, set):
                new_rows.clear()
            self._fit_widths(set(self._column_keys))
            self._shown = dict.fromkeys(order)
            self._cells = dict(rows)
            self._order = order
            if restore in self._shown:
                self.move_cursor(row=order.index(restore))
            elif order:
                self.move_cursor(row=max(0, min(line, len(order) - 1)))

    def _fit_widths(self, columns: set) -> None:
        """Each of these columns as wide as its widest cell or its label (one pass each)."""
        for col in columns:
            column = self.columns.get(col)
            if column is None:
                continue
            widths = [_cell_width(c) for c in self.get_column(col)]
            column.content_width = max([*widths, _cell_width(column.label)])
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
