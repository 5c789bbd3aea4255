from __future__ import annotations

import os
import stat

from fleettui.store import Store


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


async def test_cache_files_are_private_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0o000)
    try:
        path = tmp_path / "xdg" / "fleettui" / "cache.db"
        async with await Store.open(path) as store:
            store.writer.put_cluster("a")
            await store.writer.flush()
            for p in (path, path.with_name("cache.db-wal"), path.with_name("cache.db-shm")):
                assert p.exists(), p
                assert _mode(p) == 0o600, (p, oct(_mode(p)))
        assert _mode(path.parent) == 0o700
    finally:
        os.umask(old)


async def test_an_existing_world_readable_cache_is_made_private(tmp_path):
    path = tmp_path / "cache.db"
    async with await Store.open(path):
        pass
    os.chmod(path, 0o644)
    async with await Store.open(path):
        assert _mode(path) == 0o600
