"""DiffTable's column widths depend only on the rows shown, not on the refreshes before."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

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
