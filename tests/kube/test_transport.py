"""Transport details against a scripted fake server: auth, paging, watch framing, stalls."""

import asyncio
import json

import pytest
from aiohttp import web

from fleettui.kube import ClusterClient, errors
from fleettui.kube.resources import BUILTINS

POD = BUILTINS[("v1", "Pod")]


def status(code, reason, message="m"):
    return web.json_response(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "code": code,
            "reason": reason,
            "message": message,
        },
        status=code,
    )


async def test_bearer_token_and_user_agent(fake):
    async def version(req):
        return web.json_response(
            {"gitVersion": "v1.31.0", "auth": req.headers.get("Authorization")}
        )

    fake.on("GET", "/version", version)
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        v = await c.version()
    assert v == {"gitVersion": "v1.31.0", "auth": "Bearer t0"}
    assert fake.requests[0].headers["User-Agent"].startswith("fleettui/")


async def test_token_file_reloaded_once_on_401(fake, tmp_path):
    token = tmp_path / "token"
    token.write_text("old")

    async def version(req):
        if req.headers.get("Authorization") != "Bearer new":
            return status(401, "Unauthorized", "Unauthorized")
        return web.json_response({"gitVersion": "v1"})

    fake.on("GET", "/version", version)
    c = ClusterClient.from_kubeconfig(fake.kubeconfig({"tokenFile": str(token)}), context="fake")
    with pytest.raises(errors.Unauthorized):
        await c.version()  # reloaded once, still "old": the 401 surfaces
    assert len(fake.requests) == 2
    token.write_text("new")  # the token was rotated on disk
    assert await c.version() == {"gitVersion": "v1"}
    await c.close()


async def test_static_token_401_not_retried(fake):
    fake.on("GET", "/version", lambda req: _async(status(401, "Unauthorized")))
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        with pytest.raises(errors.Unauthorized):
            await c.version()
    assert len(fake.requests) == 1


async def _async(v):
    return v


async def test_list_follows_continue_and_restarts_on_expired_token(fake):
    calls = []

    async def pods(req):
        q = req.query
        calls.append(dict(q))
        if "limit" not in q:  # the unpaged fallback
            return web.json_response(
                {
                    "metadata": {"resourceVersion": "20"},
                    "items": [{"metadata": {"name": n}} for n in "abc"],
                }
            )
        if not q.get("continue"):
            return web.json_response(
                {
                    "metadata": {"resourceVersion": "10", "continue": "t1"},
                    "items": [{"metadata": {"name": "a"}}],
                }
            )
        if q["continue"] == "t1":
            return web.json_response(
                {
                    "metadata": {"resourceVersion": "10", "continue": "t2"},
                    "items": [{"metadata": {"name": "b"}}],
                }
            )
        return status(410, "Expired", "continue token expired")

    fake.on("GET", "/api/v1/namespaces/ns/pods", pods)
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        res = await c.list(POD, namespace="ns", limit=1, label_selector="app=x")
    assert [i["metadata"]["name"] for i in res.items] == ["a", "b", "c"]
    assert res.resource_version == "20"
    assert res.items[0]["kind"] == "Pod" and res.items[0]["apiVersion"] == "v1"
    assert calls[0] == {"labelSelector": "app=x", "limit": "1"}
    assert calls[-1] == {"labelSelector": "app=x"}


def watch_handler(lines, *, then_sleep=0.0, close_abruptly=False):
    async def handler(req):
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(req)
        for line in lines:
            await resp.write(line)
        if then_sleep:
            await asyncio.sleep(then_sleep)
        if close_abruptly:
            req.transport.close()
            return resp
        await resp.write_eof()
        return resp

    return handler


def ev(t, name, rv, **extra):
    obj = {"metadata": {"name": name, "resourceVersion": rv}, **extra}
    return (json.dumps({"type": t, "object": obj}) + "\n").encode()


async def test_watch_framing_big_lines_split_chunks_and_bookmarks(fake):
    big = "x" * 3_000_000  # larger than aiohttp's line buffer
    payload = (
        ev("ADDED", "a", "5")
        + ev("MODIFIED", "big", "6", data={"v": big})
        + ev("BOOKMARK", "", "9")
    )
    chunks = [payload[i : i + 7000] for i in range(0, len(payload), 7000)] + [
        b"\n",
        ev("DELETED", "a", "10")[:-1],
    ]
    fake.on("GET", "/api/v1/pods", watch_handler(chunks))
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        async with c.watch(POD, resource_version="4", timeout_seconds=30) as w:
            got = [(e.type, e.object["metadata"].get("name"), e.resource_version) async for e in w]
            assert w.resource_version == "10"
    assert got == [
        ("ADDED", "a", "5"),
        ("MODIFIED", "big", "6"),
        ("BOOKMARK", "", "9"),
        ("DELETED", "a", "10"),
    ]
    q = fake.requests[0].query
    assert (q["watch"], q["resourceVersion"], q["timeoutSeconds"], q["allowWatchBookmarks"]) == (
        "true",
        "4",
        "30",
        "true",
    )


async def test_watch_error_event_410_is_gone(fake):
    err = {
        "type": "ERROR",
        "object": {
            "kind": "Status",
            "status": "Failure",
            "code": 410,
            "reason": "Expired",
            "message": "too old resource version: 1 (50)",
        },
    }
    fake.on(
        "GET",
        "/api/v1/pods",
        watch_handler([ev("ADDED", "a", "51"), (json.dumps(err) + "\n").encode()]),
    )
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        seen = []
        with pytest.raises(errors.Gone, match="too old"):
            async for e in c.watch(POD, resource_version="1"):
                seen.append(e.type)
    assert seen == ["ADDED"]


async def test_watch_http_410_is_gone(fake):
    fake.on("GET", "/api/v1/pods", lambda req: _async(status(410, "Expired", "too old")))
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        with pytest.raises(errors.Gone):
            async for _ in c.watch(POD, resource_version="1"):
                pass


async def test_watch_broken_stream_is_unreachable(fake):
    fake.on(
        "GET",
        "/api/v1/pods",
        watch_handler([ev("ADDED", "a", "2"), b'{"type": "MODI'], close_abruptly=True),
    )
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        with pytest.raises(errors.Unreachable):
            async for _ in c.watch(POD):
                pass


async def test_watch_stall_beyond_server_timeout_is_unreachable(fake):
    # timeoutSeconds=0 and client timeout 0.3s: a server silent for 2s is dead to us.
    fake.on("GET", "/api/v1/pods", watch_handler([ev("ADDED", "a", "2")], then_sleep=2))
    c = ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake", timeout=0.3)
    c.watch_grace = 0.3
    with pytest.raises(errors.Unreachable, match="stalled|no answer"):
        async for _ in c.watch(POD, timeout_seconds=0):
            pass
    await c.close()


async def test_slow_answer_is_unreachable_with_timeout(fake):
    async def slow(req):
        await asyncio.sleep(1)
        return web.json_response({})

    fake.on("GET", "/version", slow)
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake", timeout=0.2) as c:
        with pytest.raises(errors.Unreachable, match="no answer within 0.2s"):
            await c.version()


async def test_write_bodies_and_content_types(fake):
    async def echo(req):
        return web.json_response({"ct": req.headers.get("Content-Type"), "q": dict(req.query)})

    for m in ("POST", "PUT", "PATCH", "DELETE"):
        fake.on(m, "/api/v1/namespaces/team/pods", echo)
        fake.on(m, "/api/v1/namespaces/team/pods/p", echo)
        fake.on(m, "/api/v1/namespaces/team/pods/p/status", echo)
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
        r = await c.create(POD, body)  # no namespace anywhere: the context's namespace
        assert r["ct"] == "application/json"
        r = await c.replace(POD, body, subresource="status")
        assert r["ct"] == "application/json"
        r = await c.patch(POD, "p", {"a": 1}, patch_type="strategic", field_manager="me")
        assert r == {"ct": "application/strategic-merge-patch+json", "q": {"fieldManager": "me"}}
        r = await c.patch(POD, "p", [{"op": "remove", "path": "/a"}], patch_type="json")
        assert r["ct"] == "application/json-patch+json"
        r = await c.apply(body)
        assert r == {
            "ct": "application/apply-patch+yaml",
            "q": {"fieldManager": "fleettui", "force": "true"},
        }
        r = await c.delete(POD, "p", propagation="Foreground")
        assert r["ct"] == "application/json"
    assert json.loads(fake.bodies[-1]) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
    }
    with pytest.raises(ValueError):
        await c.patch(POD, "p", {"a": 1}, patch_type="json")


async def test_429_carries_retry_after(fake):
    async def busy(req):
        resp = status(429, "TooManyRequests", "the server is busy")
        resp.headers["Retry-After"] = "3"
        return resp

    fake.on("GET", "/version", busy)
    async with ClusterClient.from_kubeconfig(fake.kubeconfig(), context="fake") as c:
        with pytest.raises(errors.TooManyRequests) as ei:
            await c.version()
    assert ei.value.retry_after == 3.0 and ei.value.retryable
