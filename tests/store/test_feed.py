from __future__ import annotations

import asyncio

from fleettui.store import Change, Store


async def test_in_process_writes_publish_one_change_per_topic_and_cluster(store):
    sub = store.subscribe()
    store.writer.put_cluster("a")
    store.writer.replace("a", "Pod", [{"namespace": "n", "name": "p"}])
    store.writer.upsert("a", "Event", {"namespace": "n", "name": "e", "type": "Warning"})
    await store.writer.flush()
    changes = sub.pending()
    assert set(changes) == {Change("clusters", "a"), Change("objects", "a"), Change("events", "a")}
    assert sub.pending() == []


async def test_a_subscriber_iterates_and_filters_topics(store):
    sub = store.subscribe(topics={"events"})
    store.writer.put_cluster("a")
    store.writer.upsert("a", "Event", {"namespace": "n", "name": "e"})
    change = await asyncio.wait_for(anext(sub), 2)
    assert change == Change("events", "a")
    sub.close()
    assert [c async for c in sub] == []


async def test_a_slow_subscriber_gets_coalesced_changes_not_a_backlog(store):
    sub = store.subscribe()
    for i in range(50):
        store.writer.upsert("a", "Pod", {"namespace": "n", "name": f"p{i}"})
        await store.writer.flush()
    # 50 commits, each publishing both changes: the subscriber holds one of each, in first-seen order
    changes = sub.pending()
    assert changes == [Change("objects", "a"), Change("clusters", "a")]
    assert sub.pending() == []


async def test_another_process_writing_is_noticed_as_external(tmp_path):
    path = tmp_path / "cache.db"
    watcher = await Store.open(path, poll_interval=0.05)
    other = await Store.open(path)  # another connection stands in for another process
    try:
        sub = watcher.subscribe()
        await asyncio.sleep(0.15)  # let the watcher read data_version once
        other.writer.put_cluster("from-elsewhere")
        await other.writer.flush()
        change = await asyncio.wait_for(anext(sub), 3)
        assert change == Change("external", None)
        assert [c.name for c in await watcher.clusters()] == ["from-elsewhere"]
        # its own writes are not reported as external
        watcher.writer.put_cluster("mine")
        await watcher.writer.flush()
        await asyncio.sleep(0.2)
        assert Change("external", None) not in sub.pending()
    finally:
        await other.close()
        await watcher.close()


async def test_a_real_other_process_writing_is_noticed(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "cache.db"
    watcher = await Store.open(path, poll_interval=0.05)
    try:
        sub = watcher.subscribe()
        await asyncio.sleep(0.15)
        script = (
            "import asyncio, sys\n"
            "from fleettui.store import Store\n"
            "async def main():\n"
            "    s = await Store.open(sys.argv[1])\n"
            "    s.writer.put_cluster('from-subprocess')\n"
            "    await s.writer.flush()\n"
            "    await s.close()\n"
            "asyncio.run(main())\n"
        )
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(path),
                                                    stderr=subprocess.PIPE)
        _, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        assert await asyncio.wait_for(anext(sub), 3) == Change("external", None)
        assert [c.name for c in await watcher.clusters()] == ["from-subprocess"]
    finally:
        await watcher.close()
