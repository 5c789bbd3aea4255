"""The DR pane: pick a cluster, zone or region on the left and see, beside it,
what breaks if it fails; the resilience score below. Pure analysis of the cache
(`fleettui.dr`), so it needs no cluster and answers at once.

The fleet file's policy and traffic entries come from `app.pane_options["fleet"]`;
the analysis runs in `show` because `fetch` only receives the store (fast enough
for fleets of hundreds of clusters: see bench/dr_whatif.py).
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from fleettui.config.dr_policy import DOMAIN_KINDS
from fleettui.dr import Domain, Inventory, score, what_if
from fleettui.dr.load import load_inventory
from fleettui.store import Store
from fleettui.tui.dr_renderers import score_table, whatif_text
from fleettui.tui.panes.base import Pane
from fleettui.tui.renderers import Palette
from fleettui.tui.widgets.diff_table import DiffTable


class DRPane(Pane):
    pane_id = "dr"
    title = "DR"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._inv: Inventory | None = None
        self._palette = Palette()

    def compose(self) -> ComposeResult:
        yield Static(id="dr-info", classes="pane-info")
        with Horizontal(id="dr-body"):
            yield DiffTable([("domain", "FAILURE DOMAIN ")], id="dr-domains")
            with VerticalScroll(id="dr-impact-scroll"):
                yield Static(id="dr-impact")
                yield Static(id="dr-score")

    @property
    def table(self) -> DiffTable:
        return self.query_one("#dr-domains", DiffTable)

    @staticmethod
    async def fetch(store: Store) -> Inventory:
        return await load_inventory(store)

    def _with_fleet(self, inv: Inventory) -> Inventory:
        fleet = getattr(self.app, "pane_options", {}).get("fleet")
        if fleet is None:
            return inv
        clusters = tuple(replace(c, prometheus=getattr(fleet.clusters.get(c.name), "prometheus", None))
                         for c in inv.clusters)
        return replace(inv, clusters=clusters, policy=fleet.resilience, traffic=tuple(fleet.traffic))

    def show(self, data: Inventory, now: float, palette: Palette) -> None:
        self._inv, self._palette = self._with_fleet(data), palette
        rows = [(f"{kind}:{name}", (Text(f"{kind} {name}"),)) for kind in DOMAIN_KINDS for name in self._inv.domains(kind)]
        self.table.apply_rows(rows)
        try:
            result = score(self._inv)
        except ValueError as exc:  # a tier-1 selector the fleet file got wrong
            self.query_one("#dr-score", Static).update(f"resilience policy: {exc}")
        else:
            self.query_one("#dr-score", Static).update(score_table(result, palette))
        self.query_one("#dr-info", Static).update(self.info_line(
            "what breaks if it fails (from the cache) · resilience: ✔ survives the loss of any one"))
        self._show_impact()

    def _show_impact(self) -> None:
        key = self.table.current_key
        if self._inv is None or not key:
            self.query_one("#dr-impact", Static).update("no cluster in the cache yet")
            return
        kind, name = key.split(":", 1)
        try:
            text = whatif_text(what_if(self._inv, Domain(kind, name)), self._palette)
        except ValueError as exc:
            text = str(exc)
        self.query_one("#dr-impact", Static).update(text)

    @on(DataTable.RowHighlighted, "#dr-domains")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_impact()

    def focus_table(self) -> None:
        self.table.focus()
