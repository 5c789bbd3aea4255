"""DiffTable's lines, worked out once per pass (its `_render_line_in_row` and
`render_line`), are exactly Textual's own DataTable lines: with and without focus, the
cursor on a row, the mouse over another, a fixed column, scrolled sideways and down,
a missing cell, a cell that is not one-line Text, a narrow terminal, another theme."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from fleettui.tui.widgets.diff_table import DiffTable

COLUMNS = (("name", "NAME"), ("health", Text("HEALTH", style="bold")), ("note", "NOTE"), ("age", "AGE"))


def _rows(n: int = 60) -> list[tuple[str, tuple]]:
    out = []
    for i in range(n):
        health = Text.assemble(("● ", "green" if i % 3 else "red"), ("Healthy" if i % 3 else "Down", "bold"))
        note = Text(f"note {i}" * (1 + i % 4), style="dim" if i % 2 else "")
        out.append((f"r{i:03d}", (Text(f"edge-{i:04d}"), health, note, Text(f"{i}s"))))
    return out


class _App(App[None]):
    CSS = "DiffTable { height: 1fr; } DiffTable > .datatable--cursor { background: blue; }"

    def compose(self) -> ComposeResult:
        yield DiffTable(COLUMNS, id="plain")
        yield DiffTable(COLUMNS, id="fixed", fixed_columns=1)


def _lines(table: DiffTable, lean: bool) -> list:
    """Every line on screen, from scratch, by the lean path or Textual's own."""
    table._clear_caches()
    table._lean_rows.clear()
    table._pass = None
    table._update_count += 1
    table.lean_lines = lean
    try:
        strips = table.render_lines(Region(0, 0, *table.size))
    finally:
        del table.lean_lines
    return [list(strip) for strip in strips]


def _same(table: DiffTable, where: str) -> None:
    lean, textual = _lines(table, lean=True), _lines(table, lean=False)
    assert len(lean) == len(textual) > 5, where
    for y, (a, b) in enumerate(zip(lean, textual, strict=True)):
        assert a == b, f"{where}: line {y}"


async def test_lean_lines_are_textuals_lines() -> None:
    app = _App()
    async with app.run_test(size=(60, 30)) as pilot:
        for table_id in ("plain", "fixed"):
            table = app.query_one(f"#{table_id}", DiffTable)
            table.apply_rows(_rows())
            await pilot.pause()
            _same(table, f"{table_id}: unfocused")
            table.focus()
            table.move_cursor(row=2)
            await pilot.pause()
            _same(table, f"{table_id}: focused, cursor on row 2")
            table.hover_coordinate = table.cursor_coordinate.down().down()
            table._show_hover_cursor = True
            _same(table, f"{table_id}: hover two rows below")
            table.scroll_to(x=7, y=20, animate=False)
            await pilot.pause()
            _same(table, f"{table_id}: scrolled")
            table.show_cursor = False
            _same(table, f"{table_id}: no cursor")
            table.show_cursor = True
        table = app.query_one("#plain", DiffTable)
        # a cell missing (fewer cells than columns) and one that is not Text
        table.add_row(Text("short"), key="short")
        table.add_row(Text("group"), Group(Text("a"), Text("b")), Text("x"), Text("1s"), key="group")
        table.scroll_end(animate=False)
        await pilot.pause()
        _same(table, "missing and non-Text cells")
        app.theme = "textual-light"
        await pilot.pause()
        _same(table, "another theme")
        await pilot.resize_terminal(30, 20)
        await pilot.pause()
        _same(table, "narrow")


async def test_moving_the_cursor_renders_two_rows_again() -> None:
    # a row's line depends on whether the cursor is on it, not on where the cursor is
    app = _App()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one("#plain", DiffTable)
        table.apply_rows(_rows())
        table.focus()
        await pilot.pause()
        table.render_lines(Region(0, 0, *table.size))
        rendered: list[int] = []
        real = table._pass_values

        def spy(base):
            rendered.append(1)
            return real(base)

        table._pass_values = spy  # type: ignore[method-assign]
        table.move_cursor(row=table.cursor_row + 1)
        table._line_cache.clear()
        table.render_lines(Region(0, 0, *table.size))
        assert len(rendered) == 2
