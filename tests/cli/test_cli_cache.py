"""What the commands say about a cache they may not use: one line, the file left alone."""

from __future__ import annotations

import asyncio
import os
import stat

from fleettui.store import Store


async def _cache(path) -> None:
    async with await Store.open(path) as store:
        store.writer.put_cluster("up", context="up")
        await store.writer.flush()


def _read_only_cache(unprivileged):
    d = unprivileged.home / "cache"
    d.mkdir()
    unprivileged.give(d)
    path = d / "cache.db"
    asyncio.run(_cache(path))
    unprivileged.give(path)
    os.chmod(path, 0o400)
    return path


def test_a_command_that_writes_refuses_a_read_only_cache_in_one_line(unprivileged):
    path = _read_only_cache(unprivileged)
    before = path.read_bytes()
    result = unprivileged.cli("app", "list", "--cache", str(path))
    assert result["rc"] == 1
    assert result["err"].startswith(f"fleettui: cannot write the cache {path}: permission denied (mode 0400")
    assert result["err"].count("\n") == 1 and "Traceback" not in result["err"]
    assert path.read_bytes() == before and stat.S_IMODE(os.stat(path).st_mode) == 0o400
    assert sorted(p.name for p in path.parent.iterdir()) == ["cache.db"]


def test_clusters_reads_a_read_only_cache(unprivileged):
    path = _read_only_cache(unprivileged)
    result = unprivileged.cli("clusters", "--cache", str(path), "-o", "json")
    assert result["rc"] == 0, result["err"]
    assert "up" in result["out"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o400
