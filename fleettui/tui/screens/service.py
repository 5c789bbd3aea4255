"""The service screen (Enter on a clusterset service): each cluster's export conditions,
its local Service and the endpoints imported from it, then the merge analysis.
Live like the panes; Esc goes back."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from fleettui.store import Store
from fleettui.store.services import ServiceSetRow, service_sets
from fleettui.tui.renderers import Palette, health_text
from fleettui.tui.screens.detail import DetailFetch, DetailScreen
from fleettui.tui.services_renderers import service_detail_lines
from fleettui.tui.widgets.footer import FleetFooter


def service_heading(row: ServiceSetRow | None, key: str, palette: Palette) -> Text:
    if row is None:
        return Text(f"service {key}: no cluster exports or imports it any more", style=palette.stale)
    out = Text.assemble(("service ", palette.muted), (row.key, "bold"), "  ")
    out.append_text(health_text(row.health, palette))
    return out


class ServiceScreen(DetailScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, row: ServiceSetRow) -> None:
        super().__init__(classes="service-screen")
        self.row = row
        self.key = row.key

    def compose(self) -> ComposeResult:
        yield Static(id="service-heading")
        with VerticalScroll(id="service-body"):
            yield Static("\n".join(service_detail_lines(self.row)), id="service-detail")
        yield FleetFooter()

    def make_fetch(self) -> DetailFetch:
        key = self.key

        async def fetch(store: Store) -> ServiceSetRow | None:
            return next((r for r in await service_sets(store) if r.key == key), None)

        return fetch

    def show(self, row: ServiceSetRow | None, now: float, palette: Palette) -> None:
        self.query_one("#service-heading", Static).update(service_heading(row, self.key, palette))
        if row is None:
            return
        self.row = row
        self.query_one("#service-detail", Static).update("\n".join(service_detail_lines(row)))
