"""A watch: the server's stream of change events, as an async iterator.

The stream is newline-delimited JSON (`{"type": ..., "object": ...}`); lines can
be larger than any fixed buffer (a big CRD object), so we split on newlines
ourselves. An `ERROR` event carries a Status: code 410 means the
resourceVersion is too old and the caller must relist (`errors.Gone`).
The iterator ends when the server closes the stream (its `timeoutSeconds`
elapsed); the caller then watches again from `resource_version`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from fleettui.kube import errors


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED | BOOKMARK
    object: dict[str, Any]

    @property
    def resource_version(self) -> str | None:
        return (self.object.get("metadata") or {}).get("resourceVersion")


class Watch:
    """Async iterator of WatchEvent; also an async context manager that closes the stream.

    `resource_version` is the last version seen (events and bookmarks), where a
    new watch should resume.
    """

    def __init__(
        self,
        opener: Callable[[], Awaitable[aiohttp.ClientResponse]],
        *,
        cluster: str,
        resource_version: str | None,
        read_timeout: float,
        api_version: str | None = None,
        kind: str | None = None,
    ) -> None:
        self._open = opener
        self._cluster = cluster
        self._resp: aiohttp.ClientResponse | None = None
        self._buf = bytearray()
        self._pending: list[bytes] = []
        self._done = False
        self._read_timeout = read_timeout
        self._api_version = api_version
        self._kind = kind
        self.resource_version = resource_version

    def __aiter__(self) -> Watch:
        return self

    async def __aenter__(self) -> Watch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._done = True
        if self._resp is not None:
            resp, self._resp = self._resp, None
            resp.close()  # drop the connection: an unfinished stream cannot be reused

    async def __anext__(self) -> WatchEvent:
        if self._done:
            raise StopAsyncIteration
        if self._resp is None:
            self._resp = await self._open()
        try:
            while True:
                line = await self._next_line()
                if line is None:
                    await self.aclose()
                    raise StopAsyncIteration
                if not line.strip():
                    continue
                event = self._decode(line)
                if event is not None:
                    return event
        except BaseException:
            await self.aclose()
            raise

    async def _next_line(self) -> bytes | None:
        assert self._resp is not None
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return line
            try:
                chunk = await self._resp.content.readany()
            except TimeoutError as exc:
                raise errors.Unreachable(
                    f"watch stalled: no data for {self._read_timeout:g}s",
                    cluster=self._cluster,
                    reason="Unreachable",
                ) from exc
            except aiohttp.ClientPayloadError as exc:
                raise errors.Unreachable(
                    "the watch connection broke", cluster=self._cluster, reason="Unreachable"
                ) from exc
            except aiohttp.ClientError as exc:
                raise errors.Unreachable(
                    f"watch failed: {exc}", cluster=self._cluster, reason="Unreachable"
                ) from exc
            if not chunk:
                if self._buf.strip():  # a final line without newline
                    line = bytes(self._buf)
                    self._buf.clear()
                    return line
                return None
            self._buf += chunk

    def _decode(self, line: bytes) -> WatchEvent | None:
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise errors.KubeError(
                "the watch stream sent something that is not JSON", cluster=self._cluster
            ) from exc
        etype = raw.get("type")
        obj = raw.get("object") or {}
        if etype == "ERROR":
            code = int(obj.get("code") or 500)
            raise errors.from_status(self._cluster, code, obj)
        if etype not in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK"):
            return None  # unknown event types are ignored, as client-go does
        if etype != "BOOKMARK":
            # Watch objects of one kind may omit apiVersion/kind; callers expect them.
            if self._api_version and "apiVersion" not in obj:
                obj["apiVersion"] = self._api_version
            if self._kind and "kind" not in obj:
                obj["kind"] = self._kind
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self.resource_version = rv
        return WatchEvent(etype, obj)
