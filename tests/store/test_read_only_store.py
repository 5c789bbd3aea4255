"""In a read-only process the applications held in the cache (the local hub's declared
state) cannot be written, while the inventory (a cache of what clusters report) can."""

import pytest

from fleettui.config import mode
from fleettui.store.apps import AppStore


async def test_app_writes_refused_inventory_kept(store):
    records = AppStore(store)
    await records.put_app("shop", "a", {"spec": {"components": []}}, now=1.0)
    before = await store._fetchall("SELECT * FROM applications")
    with mode.session_mode(watch=True):
        with pytest.raises(mode.WriteRefused, match="change the applications held in the cache"):
            await records.put_app("shop", "a", {"spec": {"components": [{"name": "x"}]}}, now=2.0)
        with pytest.raises(mode.WriteRefused):
            await records.set_deleting("shop", "a", now=2.0)
        with pytest.raises(mode.WriteRefused):
            await records.remove_app("shop", "a")
        with pytest.raises(mode.WriteRefused):
            await records.acquire_lease("shop", "a", "me", now=2.0, ttl=10)
        store.writer.put_cluster("c1", context="c1")  # the sync keeps the cache current in watch mode
        await store.writer.flush()
    assert await store._fetchall("SELECT * FROM applications") == before
    assert [c.name for c in await store.clusters()] == ["c1"]
