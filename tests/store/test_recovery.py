"""A corrupt cache is moved aside and rebuilt, never a crash; a cache this user may
not read or write is an error that names it, and it stays exactly as it was."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat

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


def _snapshot(path):
    st = os.stat(path)
    return path.read_bytes(), stat.S_IMODE(st.st_mode), st.st_uid


def _cache_dir(unprivileged):
    d = unprivileged.home / "cache"
    d.mkdir()
    unprivileged.give(d)
    return d, d / "cache.db"


def test_a_cache_readable_but_not_writable_is_an_error_and_stays(unprivileged):
    d, path = _cache_dir(unprivileged)
    asyncio.run(_filled_cache(path))
    # as root this is another user's cache (owner root, 0644); otherwise our own, read-only
    os.chmod(path, 0o644 if os.geteuid() == 0 else 0o444)
    before = _snapshot(path)
    result = unprivileged.open_store(path)
    assert result["type"] == "CachePermissionError"
    assert result["error"].startswith(f"cannot write the cache {path}: permission denied (mode 0")
    assert f"owner uid {before[2]}" in result["error"]
    assert "use --cache PATH or fix the permissions" in result["error"]
    assert _snapshot(path) == before
    assert _aside(d) == []


def test_a_read_only_cache_is_read_by_commands_that_only_read(unprivileged):
    d, path = _cache_dir(unprivileged)
    asyncio.run(_filled_cache(path))
    os.chmod(path, 0o644 if os.geteuid() == 0 else 0o444)
    before = _snapshot(path)
    result = unprivileged.open_store(path, read_only_fallback=True)
    assert result == {"clusters": ["a"], "read_only": True, "recovered_from": None}
    assert _snapshot(path) == before


def test_chmod_400_is_an_error_and_is_not_reverted(unprivileged):
    d, path = _cache_dir(unprivileged)
    asyncio.run(_filled_cache(path))
    unprivileged.give(path)
    os.chmod(path, 0o400)
    result = unprivileged.open_store(path)
    assert "cannot write the cache" in result["error"] and "mode 0400" in result["error"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o400
    assert _aside(d) == []


def test_an_unreadable_cache_is_an_error_and_stays(unprivileged):
    d, path = _cache_dir(unprivileged)
    asyncio.run(_filled_cache(path))
    unprivileged.give(path)
    os.chmod(path, 0o200)
    before_size = path.stat().st_size
    result = unprivileged.open_store(path, read_only_fallback=True)
    assert result["error"].startswith(f"cannot read the cache {path}: permission denied (mode 0200")
    assert path.stat().st_size == before_size
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o200
    assert _aside(d) == []


def test_a_cache_in_a_directory_we_cannot_write_is_an_error(unprivileged):
    d, path = _cache_dir(unprivileged)
    asyncio.run(_filled_cache(path))
    unprivileged.give(path)
    os.chmod(d, 0o555)
    before = _snapshot(path)
    result = unprivileged.open_store(path)
    assert result["error"].startswith(f"cannot write in the cache directory {d}: permission denied (mode 0555")
    assert _snapshot(path) == before
    fresh = unprivileged.open_store(d / "new.db")
    assert "cannot write in the cache directory" in fresh["error"]
    assert not (d / "new.db").exists()


async def test_an_own_cache_with_a_permissive_mode_is_tightened_not_widened(tmp_path):
    path = tmp_path / "cache.db"
    async with await Store.open(path):
        pass
    os.chmod(path, 0o640)
    async with await Store.open(path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


async def test_a_healthy_cache_is_kept(tmp_path):
    path = tmp_path / "cache.db"
    await _filled_cache(path)
    async with await Store.open(path) as store:
        assert store.recovered_from is None
        assert (await store.object_counts())["Pod"] == 2000
    assert _aside(tmp_path) == []
