"""A small Alertmanager API v2 client: alert state (silenced / inhibited) and silences.

Synchronous `requests` in a worker thread with a timeout per call, like the Prometheus
fan-out (`fleettui.prom`): a dead Alertmanager costs one timeout and never blocks the
event loop. Every request goes through `_send`, the client's one write point, where the
process write policy is checked (`mode.require_writable`): `silence add|expire`, the
pane's acknowledge, anything later, all refused in read-only / watch mode there.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fleettui.config import mode

DEFAULT_TIMEOUT = 5.0
_READS = frozenset({"GET", "HEAD"})


class AlertmanagerError(Exception):
    """The Alertmanager refused or could not be reached; the message is for the user."""


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    def api(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal}

    def __str__(self) -> str:
        op = ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")
        return f"{self.name}{op}{self.value}"

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """`k=v`, `k!=v`, `k=~re`, `k!~re` (a silence's matcher, Prometheus' operators)."""
        for op, regex, equal in (("=~", True, True), ("!~", True, False), ("!=", False, False), ("=", False, True)):
            name, sep, value = text.partition(op)
            if sep and name.strip() and "=" not in name and "!" not in name:
                return cls(name.strip(), value.strip(), regex, equal)
        raise ValueError(f"{text!r}: expected name=value, name!=value, name=~regex or name!~regex")


@dataclass(frozen=True)
class Silence:
    id: str
    state: str  # active | pending | expired
    matchers: tuple[Matcher, ...]
    starts_at: str
    ends_at: str
    created_by: str
    comment: str

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Silence:
        return cls(str(d.get("id", "")), str((d.get("status") or {}).get("state", "")),
                   tuple(Matcher(m["name"], m["value"], bool(m.get("isRegex")), bool(m.get("isEqual", True)))
                         for m in d.get("matchers") or ()),
                   str(d.get("startsAt", "")), str(d.get("endsAt", "")), str(d.get("createdBy", "")),
                   str(d.get("comment", "")))

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "matchers": ",".join(str(m) for m in self.matchers),
                "starts_at": self.starts_at, "ends_at": self.ends_at, "created_by": self.created_by,
                "comment": self.comment}


def _rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Alertmanager:
    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _send(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
              body: Any = None, what: str = "") -> Any:
        """The single request path. A mutating method is checked against the process write
        policy here, at the moment of writing, whatever the caller believed."""
        import requests

        if method.upper() not in _READS:
            mode.require_writable(what or f"{method} {path} on the Alertmanager")
        try:
            r = requests.request(method, f"{self.url}{path}", params=params, json=body, timeout=self.timeout)
        except requests.exceptions.Timeout as exc:
            raise AlertmanagerError(f"Alertmanager {self.url}: timed out") from exc
        except requests.exceptions.RequestException as exc:
            raise AlertmanagerError(f"Alertmanager {self.url}: unreachable (connection refused or reset)") from exc
        if r.status_code >= 400:
            text = r.text.strip().strip('"') or f"HTTP {r.status_code}"
            raise AlertmanagerError(f"Alertmanager {self.url}: {text} (HTTP {r.status_code})")
        if not r.content:
            return None
        try:
            return r.json()
        except ValueError as exc:
            raise AlertmanagerError(f"Alertmanager {self.url}: not a JSON answer") from exc

    async def _call(self, method: str, path: str, **kw: Any) -> Any:
        return await asyncio.wait_for(asyncio.to_thread(self._send, method, path, **kw), self.timeout + 1.0)

    async def alerts(self) -> list[dict[str, Any]]:
        """Every alert it holds, silenced and inhibited ones included."""
        got = await self._call("GET", "/api/v2/alerts",
                               params={"active": "true", "silenced": "true", "inhibited": "true"})
        return list(got or [])

    async def silences(self) -> list[Silence]:
        return [Silence.from_api(d) for d in await self._call("GET", "/api/v2/silences") or []]

    async def add_silence(self, matchers: Sequence[Matcher], *, duration: timedelta, comment: str,
                          author: str | None = None, now: datetime | None = None) -> str:
        """A new silence from now for `duration`; returns its id. The author is the OS
        user unless given."""
        if not matchers:
            raise AlertmanagerError("a silence needs at least one matcher")
        start = now or datetime.now(UTC)
        body = {"matchers": [m.api() for m in matchers], "startsAt": _rfc3339(start),
                "endsAt": _rfc3339(start + duration), "createdBy": author or getpass.getuser(),
                "comment": comment}
        got = await self._call("POST", "/api/v2/silences", body=body, what="add a silence")
        return str((got or {}).get("silenceID", ""))

    async def expire_silence(self, silence_id: str) -> None:
        await self._call("DELETE", f"/api/v2/silence/{silence_id}", what=f"expire silence {silence_id}")
