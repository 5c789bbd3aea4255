"""A store notices when the file it has open is no longer the cache at its path.

Deleted, replaced or truncated under a running dashboard, the cache would
otherwise go on answering from an unlinked inode ("synced 0s ago").
"""

from __future__ import annotations

import asyncio
import os
import sqlite3

from fleettui.store import Change, Store


async def _open(path):
    store = await Store.open(path, poll_interval=0.05)
    store.writer.put_cluster("a")
    await store.writer.flush()
    return store


async def _next_cache_change(store) -> Change:
    async with store.subscribe({"cache"}) as changes:
        return await asyncio.wait_for(anext(changes), 5)


async def test_a_healthy_cache_has_no_file_problem(tmp_path):
    store = await _open(tmp_path / "cache.db")
    try:
        for i in range(50):
            store.writer.put_cluster(f"c{i}")
        await store.writer.flush()
        await store._fetchone("PRAGMA wal_checkpoint(PASSIVE)")  # the file grows: fine
        assert store.file_problem() is None
    finally:
        await store.close()


async def test_a_deleted_cache_is_noticed_and_published(tmp_path):
    path = tmp_path / "cache.db"
    store = await _open(path)
    try:
        waiter = asyncio.create_task(_next_cache_change(store))
        await asyncio.sleep(0)
        os.unlink(path)
        assert await waiter == Change("cache", None)
        assert store.file_problem() == f"the cache file {path} was deleted"
    finally:
        await store.close()


async def test_a_replaced_cache_is_noticed(tmp_path):
    path = tmp_path / "cache.db"
    store = await _open(path)
    try:
        other = tmp_path / "other.db"
        sqlite3.connect(other).close()
        os.replace(other, path)
        assert store.file_problem() == f"the cache file {path} was replaced by another file"
    finally:
        await store.close()


async def test_a_truncated_cache_is_noticed(tmp_path):
    path = tmp_path / "cache.db"
    store = await _open(path)
    try:
        await store._fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        assert store.file_problem() is None  # sees the checkpointed size
        assert path.stat().st_size > 0
        os.truncate(path, 0)
        problem = store.file_problem()
        assert problem is not None and problem.startswith(f"the cache file {path} was truncated")
    finally:
        await store.close()
