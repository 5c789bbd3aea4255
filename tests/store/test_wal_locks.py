"""Opening the cache must never drop the POSIX locks our own connections hold.

The dashboard holds several connections on one cache (reader, writer, the sync
thread's store). If opening another one closes a descriptor of the database file,
the process silently loses its locks; the next process to close the cache then
believes it was the last user and deletes the WAL under the dashboard, whose
writes from then on reach nobody else (sqlite.org/howtocorrupt.html, 2.2).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from fleettui.store import Store, StoreError

OTHER_PROCESS = """
import asyncio, sys
import pytest

from fleettui.store import Store, StoreError

async def main():
    store = await Store.open(sys.argv[1])
    await store.clusters()
    await store.close()

asyncio.run(main())
"""


async def test_another_process_leaves_our_wal_alone(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    wal = path.with_name(path.name + "-wal")
    first = await Store.open(path)
    second = await Store.open(path)  # as the dashboard's sync thread does
    try:
        assert wal.exists()
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", OTHER_PROCESS, str(path))
        assert await asyncio.wait_for(proc.wait(), 60) == 0
        assert wal.exists(), "another process deleted the WAL this process still uses"
        await first.clusters()
        await second.clusters()
    finally:
        await second.close()
        await first.close()


HOLDER = """
import asyncio, sys
import pytest

from fleettui.store import Store, StoreError

async def main():
    store = await Store.open(sys.argv[1])
    store.writer.put_cluster("held")
    await store.writer.flush()
    await store._fetchone("PRAGMA wal_checkpoint(PASSIVE)")
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await store.close()

asyncio.run(main())
"""


def _overwrite_header(path: Path) -> None:
    # this process has the file open nowhere: no lock of ours is at stake
    with open(path, "r+b") as f:
        f.write(b"this is not sqlite" * 10)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def test_a_corrupt_cache_held_open_by_another_process_is_left_in_place(tmp_path: Path) -> None:
    """A CLI run must not move a running dashboard's -wal/-shm aside: they may hold
    that process's only copy of its recent commits."""
    path = tmp_path / "cache.db"
    wal, shm = path.with_name("cache.db-wal"), path.with_name("cache.db-shm")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, str(path), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert (await asyncio.wait_for(proc.stdout.readline(), 60)).strip() == b"ready"
        _overwrite_header(path)
        with pytest.raises(StoreError) as err:
            await Store.open(path)
        assert f"pid {proc.pid}" in str(err.value) and "left in place" in str(err.value)
        assert wal.exists() and shm.exists()
        assert _names(tmp_path) == ["cache.db", "cache.db-shm", "cache.db-wal"]
    finally:
        proc.stdin.write(b"\n")
        await proc.stdin.drain()
        assert await asyncio.wait_for(proc.wait(), 60) == 0
    # once nobody holds it, the corrupt file is moved aside and rebuilt as before
    async with await Store.open(path) as store:
        assert store.recovered_from is not None
        assert await store.clusters() == []
