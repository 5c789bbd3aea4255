"""The informer's list/watch protocol against a scripted client (no network):
resume from the last resourceVersion, relist on 410, back off on errors."""

from __future__ import annotations

import asyncio

import pytest

from fleettui.kube import ListResult, WatchEvent, errors
from fleettui.kube.backoff import Backoff
from fleettui.sync.informer import Informer
from fleettui.sync.kinds import kind_spec


def pod(name, rv, phase="Running"):
    return {"metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv)}, "status": {"phase": phase}}


class ScriptedClient:
    """list() returns the current objects; each watch() plays the next script entry:
    a list of WatchEvents (then the stream ends) or an exception to raise."""

    def __init__(self, objects, rv, watches):
        self.objects = objects
        self.rv = rv
        self.watches = list(watches)
        self.list_calls = 0
        self.watch_from: list[str | None] = []
        self.list_errors: list[Exception] = []

    async def resource(self, api_version, kind):
        return (api_version, kind)

    async def list(self, res, *, limit=None, **kw):
        self.list_calls += 1
        if self.list_errors:
            raise self.list_errors.pop(0)
        return ListResult(list(self.objects), str(self.rv))

    def watch(self, res, *, resource_version=None, timeout_seconds=300, **kw):
        self.watch_from.append(resource_version)
        script = self.watches.pop(0) if self.watches else None

        async def gen():
            if script is None:
                await asyncio.sleep(3600)
            if isinstance(script, Exception):
                raise script
            for ev in script:
                yield ev

        return gen()


async def _run_until(informer, cond, limit=3.0):
    task = asyncio.create_task(informer.run())
    try:
        deadline = asyncio.get_running_loop().time() + limit
        while not cond():
            assert asyncio.get_running_loop().time() < deadline, "condition not reached"
            await asyncio.sleep(0.01)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def _informer(client, store, errors_seen=None):
    def on_error(kind, exc):
        if errors_seen is not None:
            errors_seen.append((kind, exc))

    return Informer(client, store.writer, "c1", kind_spec("Pod"),
                    backoff=Backoff(base=0.001, cap=0.01), on_error=on_error)


async def test_list_then_watch_from_the_list_version_then_resume_from_the_last_event(store):
    client = ScriptedClient(
        [pod("a", 5)], 10,
        [
            [WatchEvent("ADDED", pod("b", 11)), WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "15"}})],
            [WatchEvent("MODIFIED", pod("b", 16, "Failed")), WatchEvent("DELETED", pod("a", 17))],
        ],
    )
    inf = _informer(client, store)
    await _run_until(inf, lambda: len(client.watch_from) >= 3)
    await store.writer.flush()
    assert client.list_calls == 1
    # the first watch starts at the list's version; the next ones where the last left off
    assert client.watch_from[:3] == ["10", "15", "17"]
    pods = {p.name: p for p in await store.pods("c1")}
    assert list(pods) == ["b"] and pods["b"].phase == "Failed"


async def test_gone_means_relist(store):
    client = ScriptedClient([pod("a", 5)], 10, [errors.Gone("too old", status=410)])
    inf = _informer(client, store)
    await _run_until(inf, lambda: client.list_calls >= 2)
    assert inf.relists_on_gone == 1
    assert client.watch_from[0] == "10"


async def test_a_dropped_watch_is_resumed_not_relisted(store):
    client = ScriptedClient([pod("a", 5)], 10, [[], [], [WatchEvent("ADDED", pod("b", 12))]])
    inf = _informer(client, store)
    await _run_until(inf, lambda: len(client.watch_from) >= 4)
    assert client.list_calls == 1
    assert client.watch_from[:4] == ["10", "10", "10", "12"]


async def test_a_failed_list_is_an_error_a_broken_watch_is_routine(store):
    seen, watch_errors = [], []
    broke = errors.Unreachable("the watch connection broke", cluster="c1")
    client = ScriptedClient([pod("a", 5)], 10, [broke, [WatchEvent("ADDED", pod("b", 11))]])
    client.list_errors = [errors.ServerError("boom", status=500, reason="InternalError")]
    inf = _informer(client, store, seen)
    inf.on_watch_error = lambda kind, exc: watch_errors.append(exc)
    await _run_until(inf, lambda: len(client.watch_from) >= 3)
    assert client.list_calls == 2  # the failed list is retried
    assert client.watch_from[:2] == ["10", "10"]  # after a broken stream, resume (no relist)
    kinds = [(k, type(e).__name__ if e else None) for k, e in seen]
    assert kinds == [("Pod", "ServerError"), ("Pod", None)]  # the list failed, then recovered
    assert watch_errors == [broke] and inf.watch_failures == 1


async def test_a_watch_that_keeps_failing_becomes_the_kinds_error_and_is_relisted(store):
    seen = []
    broke = [errors.ServerError("watch refused", status=500, reason="InternalError") for _ in range(3)]
    client = ScriptedClient([pod("a", 5)], 10, [*broke, [WatchEvent("ADDED", pod("b", 11))]])
    inf = _informer(client, store, seen)
    await _run_until(inf, lambda: len(client.watch_from) >= 5)
    kinds = [(k, type(e).__name__ if e else None) for k, e in seen]
    # reported after the third failure in a row, cleared by the relist that follows
    assert kinds == [("Pod", None), ("Pod", "ServerError"), ("Pod", None)]
    assert client.list_calls == 2


async def test_wake_cuts_a_back_off_short(store):
    client = ScriptedClient([pod("a", 5)], 10, [])
    client.list_errors = [errors.Unreachable("refused", cluster="c1")]
    class AMinute(Backoff):
        def delay(self) -> float:
            return 60.0

    inf = Informer(client, store.writer, "c1", kind_spec("Pod"), backoff=AMinute())
    task = asyncio.create_task(inf.run())
    try:
        await asyncio.sleep(0.1)
        assert client.list_calls == 1  # failed, now backing off for up to a minute
        inf.wake()
        await asyncio.sleep(0.1)
        assert client.list_calls == 2
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_a_rejected_field_selector_falls_back_to_filtering_here(store):
    from fleettui.sync.kinds import kind_spec as spec_of

    class PickyClient(ScriptedClient):
        async def list(self, res, *, limit=None, field_selector=None, **kw):
            self.selectors = [*getattr(self, "selectors", []), field_selector]
            if field_selector:
                raise errors.BadRequest("field label not supported: type", status=400)
            return ListResult([
                {"metadata": {"name": "w", "namespace": "n"}, "type": "Warning", "reason": "BackOff"},
                {"metadata": {"name": "i", "namespace": "n"}, "type": "Normal", "reason": "Pulled"},
            ], "9")

    client = PickyClient([], 9, [])
    inf = Informer(client, store.writer, "c1", spec_of("Event"))
    assert await inf.list_once() == 1
    assert client.selectors == ["type=Warning", None] and inf.field_selector is None
    await store.writer.flush()
    assert [e.name for e in await store.events("c1")] == ["w"]
