"""DiffTable's one-line cell renderer gives exactly the segments of Textual's own
(a Rich console render of each cell), for every kind of cell the panes put in it,
under the cursor, hovered, in the header, and with another theme."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from fleettui.tui.widgets import one_line_cells
from fleettui.tui.widgets.diff_table import DiffTable

COLUMNS = (("name", "NAME"), ("health", Text("HEALTH", style="bold")), ("note", "NOTE"), ("age", "AGE"))


def _rows() -> list[tuple[str, tuple[Text, ...]]]:
    marker = Text.assemble(("● ", "green"), ("Healthy", "bold"))
    wide = Text("杭州-边缘-01")
    return [
        ("plain", (Text("ack-hangzhou-a"), marker, Text(""), Text("5m"))),
        ("styled", (Text("edge-0001", style="italic"), Text("✗ Down", style="red on black"),
                    Text("link lost", style="dim"), Text("2h", style="$warning"))),
        ("spans", (Text.from_markup("[b]eks[/b]-use1"), Text.assemble("x", ("y", "underline"), "z"),
                   wide, Text("  padded  "))),
        ("cursor", (Text("idc-shanghai"), Text("?"), Text("tab\there"), Text("two\nlines"))),
        ("link", (Text("docs", style="link https://example.com"), Text("@", style=Style(meta={"k": 1})),
                  Text("-"), Text("1d"))),
        ("right", (Text("r", justify="right"), Text("c", justify="center"), Text("-"), Text("0s"))),
    ]


class _App(App[None]):
    # a cursor colour of its own, laid over the cells' colours (the post style)
    CSS = "DiffTable > .datatable--cursor { color: red; background: blue; }"

    def compose(self) -> ComposeResult:
        yield DiffTable(COLUMNS, id="t")
        yield DiffTable(COLUMNS, id="fixed", fixed_columns=1)


def _every_cell(table: DiffTable, render) -> list:
    table._cell_render_cache.clear()
    out = []
    for row in range(-1, table.row_count):
        for col in range(len(table.columns)):
            width = table.ordered_columns[col].get_render_width(table)
            for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                table._cell_render_cache.clear()
                for base in (Style(), Style(bgcolor="grey11"), Style(color="red", meta={"x": 1})):
                    out.append(((row, col, cursor, hover, base),
                                render(table, row, col, base, width, cursor, hover)))
                    out.append(((row, col, cursor, hover, base, "narrow"),
                                render(table, row, col, base, max(1, width - 3), cursor, hover)))
    return out


async def _compare(pilot, table: DiffTable) -> int:
    fast = _every_cell(table, DiffTable._render_cell)
    slow = _every_cell(table, DataTable._render_cell)
    assert len(fast) == len(slow)
    for (where, a), (_, b) in zip(fast, slow, strict=True):
        assert a == b, where
    return len(fast)


async def test_one_line_cells_render_as_textual_renders_them(monkeypatch) -> None:
    used: list[bool] = []
    real = one_line_cells.OneLineCells.render

    def spy(*args, **kwargs):
        lines = real(*args, **kwargs)
        used.append(lines is not None)
        return lines

    monkeypatch.setattr(one_line_cells.OneLineCells, "render", spy)
    app = _App()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#fixed", DiffTable)
        table.apply_rows(_rows())
        await pilot.pause()
        await _compare(pilot, table)
        table = app.query_one("#t", DiffTable)
        table.apply_rows(_rows())
        await pilot.pause()
        table.move_cursor(row=3)
        await pilot.pause()
        assert await _compare(pilot, table) > 100
        table.cursor_background_priority = "css"
        await _compare(pilot, table)
        table.focus()
        app.theme = "textual-light"
        await pilot.pause()
        await _compare(pilot, table)
    # the fast path did the most of it, and the cells it cannot do took Textual's path
    assert used.count(True) > used.count(False) > 0
