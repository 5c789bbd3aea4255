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

from fleettui.store import Store

OTHER_PROCESS = """
import asyncio, sys
from fleettui.store import Store

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
