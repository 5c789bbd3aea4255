"""A corrupt or unreadable cache is moved aside and rebuilt, never a crash."""

from __future__ import annotations

import os
import sqlite3

import pytest

from fleettui.store import Store


async def _filled_cache(path) -> None:
    async with await Store.open(path) as store:
        store.writer.put_cluster("a", context="a")
        store.writer.replace(
            "a", "Pod", [{"namespace": "ns", "name": f"p{i}", "phase": "Running", "message": "x" * 200}
                         for i in range(2000)]
        )
        await store.writer.flush()
    con = sqlite3.connect(path)  # fold the WAL into the main file, as a clean exit would
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def _overwrite_header(path) -> None:
    with open(path, "r+b") as f:
        f.write(b"this is not sqlite" * 10)


def _aside(tmp_path, name="cache.db"):
    return sorted(p for p in tmp_path.iterdir() if p.name.startswith(f"{name}.corrupt-"))


async def test_garbage_bytes_are_moved_aside_and_the_cache_rebuilt(tmp_path):
    path = tmp_path / "cache.db"
    path.write_bytes(os.urandom(8192))
    async with await Store.open(path) as store:
        assert store.recovered_from is not None
        assert store.recovered_from.name.startswith("cache.db.corrupt-")
        assert store.recovered_from.name.endswith("Z")
        assert store.recovered_from.exists()
        assert await store.clusters() == []
        store.writer.put_cluster("b")
        await store.writer.flush()
        assert [c.name for c in await store.clusters()] == ["b"]
    assert len(_aside(tmp_path)) == 1


async def test_a_truncated_cache_is_moved_aside_and_rebuilt(tmp_path):
    path = tmp_path / "cache.db"
    await _filled_cache(path)
    size = path.stat().st_size
    assert size > 100_000
    os.truncate(path, size // 2)
    async with await Store.open(path) as store:
        assert store.recovered_from is not None
        assert await store.object_counts() == {}
    assert _aside(tmp_path)[0].stat().st_size == size // 2  # nothing destroyed


async def test_a_header_overwritten_cache_is_recovered(tmp_path):
    path = tmp_path / "cache.db"
    await _filled_cache(path)
    _overwrite_header(path)
    async with await Store.open(path) as store:
        assert store.recovered_from is not None


async def test_an_unreadable_cache_is_moved_aside(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "cache.db"
    await _filled_cache(path)
    os.chmod(path, 0o000)
    async with await Store.open(path) as store:
        assert store.recovered_from is not None


async def test_a_healthy_cache_is_kept(tmp_path):
    path = tmp_path / "cache.db"
    await _filled_cache(path)
    async with await Store.open(path) as store:
        assert store.recovered_from is None
        assert (await store.object_counts())["Pod"] == 2000
    assert _aside(tmp_path) == []
