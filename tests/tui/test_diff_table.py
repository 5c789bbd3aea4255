"""DiffTable: column widths depend only on the rows shown, not on the refreshes before;
a refill when many rows go or come back at once (a filter keystroke at 1,000 rows)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from fleettui.tui.widgets import diff_table
from fleettui.tui.widgets.diff_table import DiffTable


class _TableApp(App):
    def compose(self) -> ComposeResult:
        yield DiffTable([("name", "NAME"), ("idle", "IDLE")])


def _widths(table: DiffTable) -> list[int]:
    return [c.content_width for c in table.columns.values()]


async def test_widths_shrink_when_the_widest_rows_leave() -> None:
    app = _TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(DiffTable)
        table.apply_rows([("c1", (Text("ack-hangzhou-a"), Text("123.456")))])
        await pilot.pause()
        assert _widths(table) == [14, 7]
        # another grouping: every row replaced at once (a debounced refresh)
        table.apply_rows([("ns", (Text("shop"), Text("-")))])
        await pilot.pause()
        # as wide as a table built with only this row: before, [14, 7]
        assert _widths(table) == [len("NAME"), len("IDLE")]


COLUMNS = (("name", "NAME"), ("note", "NOTE"))


def rows(names):
    return [(n, (Text(n), Text("x" * (len(n) % 7)))) for n in names]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DiffTable(COLUMNS, id="t")


async def test_a_refill_keeps_the_order_the_cursor_and_fits_the_widths(monkeypatch):
    removed: list[str] = []
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(DiffTable)
        monkeypatch.setattr(table, "remove_row", lambda key: removed.append(key))
        names = [f"member-{i:03d}" for i in range(300)]
        table.apply_rows(rows(names))
        await pilot.pause()
        table.move_cursor(row=150)
        await pilot.pause()
        assert table.current_key == "member-150"
        # a filter keeps one row in three: refilled, not 200 remove_row calls
        kept = [n for i, n in enumerate(names) if i % 3 == 0]
        assert table.apply_rows(rows(kept))
        await pilot.pause()
        assert removed == []
        assert table.shown_keys == kept and [r.key.value for r in table.ordered_rows] == kept
        assert table.current_key == "member-150"
        # the filter cleared, in another order: every row back, in that order
        back = sorted(names, reverse=True)
        table.apply_rows(rows(back))
        await pilot.pause()
        assert [r.key.value for r in table.ordered_rows] == back
        assert table.current_key == "member-150"
        assert table.columns["name"].content_width == len("member-000")
        # the same cells again: nothing to do, nothing compared
        calls = []
        monkeypatch.setattr(diff_table, "_signature", lambda c: calls.append(c) or ())
        same = [(key, table._cells[key]) for key in back]
        assert not table.apply_rows(same)
        assert calls == []


def _state(table: DiffTable):
    """What DataTable keeps per row, in order: key, height, label, cells by column."""
    return ([(k.value, table.rows[k].height, table.rows[k].label, table.rows[k].auto_height,
              {c.value: v for c, v in table._data[k].items()}) for k in
             (table._row_locations.get_key(i) for i in range(table.row_count))],
            table.cursor_coordinate, [c.content_width for c in table.ordered_columns])


async def test_a_refill_leaves_the_table_as_add_row_would():
    # the refill adds its rows in one pass over Textual's bookkeeping: the same rows,
    # order, cells, cursor and widths as add_row one by one, and the same screen
    names = [f"member-{i:03d}" for i in range(120)]
    one_by_one, refilled = TableApp(), TableApp()
    async with one_by_one.run_test(size=(60, 20)) as pilot:
        table = one_by_one.query_one(DiffTable)
        for key, cells in rows(names):
            table.add_row(*cells, key=key)
        await pilot.pause()
        want, want_screen = _state(table), one_by_one.export_screenshot()
    async with refilled.run_test(size=(60, 20)) as pilot:
        table = refilled.query_one(DiffTable)
        table.apply_rows(rows(names))  # more than REFILL_ABOVE: a refill
        await pilot.pause()
        assert _state(table) == want
        assert refilled.export_screenshot() == want_screen
        # and a row added the usual way afterwards lands after them
        table.add_row(Text("late"), Text("y"), key="late")
        assert table.get_row_index("late") == 120


async def test_a_refill_measures_only_cells_it_has_not_measured(monkeypatch):
    # filtering 1,000 rows down and back brings the same cell objects back: their widths
    # are known (before, every refill measured every cell of every row again)
    measured: list[str] = []
    real = diff_table._cell_width
    monkeypatch.setattr(diff_table, "_cell_width", lambda c: measured.append(str(c)) or real(c))
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(DiffTable)
        every = rows([f"member-{i:03d}" for i in range(300)])
        table.apply_rows(every)
        await pilot.pause()
        measured.clear()
        table.apply_rows(every[::3])
        table.apply_rows(every)
        await pilot.pause()
        assert [m for m in measured if m.startswith("member")] == []
        assert _widths(table) == [len("member-000"), len("NOTE")]
