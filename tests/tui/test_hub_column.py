"""The clusters pane's HUB column: OCM registration per row, only when a hub manages clusters,
and the count of clusters awaiting acceptance in the pane's info line."""

from __future__ import annotations

from textual.widgets import Static

from fleettui.store import Store
from fleettui.tui.panes.clusters import ClustersPane
from tui.conftest import make_app, settle, wait_for_data


async def _register(path, name, provider, region, hub_state):
    store = await Store.open(path)
    store.writer.put_cluster(name, context=name, provider=provider, region=region, hub_state=hub_state)
    await store.writer.flush()
    await store.close()


async def test_no_hub_no_column(fleet_cache):
    app = make_app(fleet_cache)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        pane = app.query_one(ClustersPane)
        assert "hub" not in pane.table.visible_columns
        assert "awaiting acceptance" not in str(pane.query_one("#clusters-info", Static).render())


async def test_hub_column_and_awaiting_acceptance(fleet_cache):
    await _register(fleet_cache, "edge-shenzhen", "edge", "shenzhen",
                    {"state": "pending acceptance", "accepted": False, "joined": False, "pending_csrs": 1,
                     "csrs": [{"name": "edge-shenzhen-x1", "state": "pending"}]})
    await _register(fleet_cache, "idc-beijing", "idc", "beijing",
                    {"state": "available", "accepted": True, "joined": True, "clusterset": "default",
                     "taints": [{"key": "maintenance", "effect": "NoSelect"}]})
    app = make_app(fleet_cache)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_for_data(pilot)
        await settle(pilot)
        pane = app.query_one(ClustersPane)
        table = pane.table
        assert "hub" in table.visible_columns
        info = str(pane.query_one("#clusters-info", Static).render())
        assert "1 awaiting acceptance (a accepts the selected one, h lists them)" in info
        col = list(table.visible_columns).index("hub")
        cells = {str(table.get_row(key)[0]).split()[0]: str(table.get_row(key)[col])
                 for key in table.rows}
        assert cells["edge-shenzhen"] == "pending 1 csr"
        assert cells["idc-beijing"] == "joined set:default 1 taint"
        assert cells["ack-hangzhou-a"] == "-"
