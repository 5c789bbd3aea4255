"""Two fleettui processes on one cache do not corrupt it or lose each other's writes."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap

from fleettui.store import Store

WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from fleettui.store import Store

    async def main(path, cluster, rounds):
        store = await Store.open(path, batch_rows=50)
        store.writer.put_cluster(cluster)
        for i in range(rounds):
            store.writer.replace(cluster, "Pod", [
                {"namespace": "ns", "name": f"p{j}", "phase": "Running", "node": "n0", "cpu_m": 100}
                for j in range(200)
            ])
            store.writer.upsert(cluster, "Deployment", {"namespace": "ns", "name": f"d{i}"})
            await store.writer.flush()
        await store.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """
)


async def test_two_stores_in_one_process_write_concurrently(tmp_path):
    path = tmp_path / "cache.db"
    a = await Store.open(path, batch_rows=50)
    b = await Store.open(path, batch_rows=50)
    try:
        async def hammer(store, cluster):
            store.writer.put_cluster(cluster)
            for i in range(20):
                store.writer.replace(cluster, "Pod", [{"namespace": "ns", "name": f"p{j}"} for j in range(100)])
                store.writer.upsert(cluster, "Deployment", {"namespace": "ns", "name": f"d{i}"})
                await store.writer.flush()

        await asyncio.gather(hammer(a, "a"), hammer(b, "b"))
        for store in (a, b):
            assert await store.object_counts("a") == {"Deployment": 20, "Pod": 100}
            assert await store.object_counts("b") == {"Deployment": 20, "Pod": 100}
    finally:
        await a.close()
        await b.close()


async def test_a_subprocess_and_this_process_write_the_same_cache(tmp_path):
    path = tmp_path / "cache.db"
    store = await Store.open(path, batch_rows=50)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(path), "other", "15",
        stderr=subprocess.PIPE,
    )
    try:
        store.writer.put_cluster("mine")
        for i in range(15):
            store.writer.replace("mine", "Pod", [{"namespace": "ns", "name": f"p{j}"} for j in range(200)])
            store.writer.upsert("mine", "Deployment", {"namespace": "ns", "name": f"d{i}"})
            await store.writer.flush()
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        assert await store.object_counts("mine") == {"Deployment": 15, "Pod": 200}
        assert await store.object_counts("other") == {"Deployment": 15, "Pod": 200}
        other = await store.cluster("other")
        assert other is not None and other.pods_running == 200 and other.cpu_req_m == 20_000
    finally:
        await store.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
