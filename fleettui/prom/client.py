"""Fan-out queries over the fleet's Prometheus servers, off the event loop.

prometheus-api-client is synchronous (requests), so every call runs in a thread of a
small pool, with a semaphore bounding how many servers are asked at once and a
timeout per request: one slow or dead Prometheus costs its own timeout and nothing
more, and never blanks the others' answers (karma's users' complaint).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEFAULT_TIMEOUT = 5.0
DEFAULT_CONCURRENCY = 8


class PromError(Exception):
    """A query one Prometheus refused or could not answer, in words for the user.

    `kind` is "bad_query" (the expression: Prometheus' own parser message, with its
    position), "unreachable", "timeout" or "error"."""

    def __init__(self, message: str, *, kind: str = "error") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Target:
    cluster: str
    url: str


@dataclass
class ClusterAnswer:
    cluster: str
    result: Any = None  # Prometheus' `data.result` (or the JSON `data` of a raw GET)
    result_type: str | None = None
    error: str | None = None
    error_kind: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class FleetAnswer:
    answers: dict[str, ClusterAnswer] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """Clusters that gave no answer (named on screen next to a partial result)."""
        return sorted(c for c, a in self.answers.items() if not a.ok)

    @property
    def bad_query(self) -> str | None:
        """The parser's message when the expression itself is wrong (same on every server)."""
        for a in self.answers.values():
            if a.error_kind == "bad_query":
                return a.error
        return None

    def series(self) -> list[dict[str, Any]]:
        """Every cluster's vector/matrix series with a `cluster` label added (the merged
        result a global view shows). A series already labelled `cluster` keeps it."""
        out: list[dict[str, Any]] = []
        for name in sorted(self.answers):
            a = self.answers[name]
            if not a.ok or not isinstance(a.result, list):
                continue
            for s in a.result:
                metric = dict(s.get("metric") or {})
                metric.setdefault("cluster", name)
                out.append({**s, "metric": metric})
        return out


def targets_from_fleet(clusters: Iterable[Any]) -> list[Target]:
    """Targets from fleet-file cluster entries (anything with `.name` and `.prometheus`)."""
    return [Target(c.name, c.prometheus.rstrip("/")) for c in clusters if getattr(c, "prometheus", None)]


_STATUS_BODY = re.compile(r"HTTP Status Code (\d+) \((.*)\)\s*$", re.S)


def _explain(exc: BaseException) -> PromError:
    """prometheus-api-client's and requests' exceptions, in a user's words."""
    import requests

    if isinstance(exc, PromError):
        return exc
    if isinstance(exc, requests.exceptions.Timeout):
        return PromError("timed out", kind="timeout")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return PromError("unreachable (connection refused or reset)", kind="unreachable")
    text = str(exc)
    m = _STATUS_BODY.search(text)
    if m:
        code, body = int(m.group(1)), m.group(2)
        if body.startswith(("b'", 'b"')):
            body = body[2:-1]
        try:
            payload = json.loads(body.encode().decode("unicode_escape"))
        except ValueError:
            payload = None
        if isinstance(payload, dict) and payload.get("error"):
            kind = "bad_query" if payload.get("errorType") == "bad_data" else "error"
            return PromError(str(payload["error"]), kind=kind)
        if code == 503:
            return PromError("unavailable (HTTP 503)", kind="unreachable")
        return PromError(f"HTTP {code}", kind="error")
    return PromError(text or type(exc).__name__)


class FleetPrometheus:
    """Ask every target at once (bounded), each with its own timeout."""

    def __init__(self, targets: Sequence[Target], *, timeout: float = DEFAULT_TIMEOUT,
                 concurrency: int = DEFAULT_CONCURRENCY, executor: ThreadPoolExecutor | None = None) -> None:
        self.targets = {t.cluster: t for t in targets}
        self.timeout = timeout
        self._sem = asyncio.Semaphore(max(1, concurrency))
        self._executor = executor or ThreadPoolExecutor(max_workers=max(1, concurrency),
                                                        thread_name_prefix="fleettui-prom")
        self._own_executor = executor is None
        self._clients: dict[str, Any] = {}

    def close(self) -> None:
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    def _client(self, cluster: str) -> Any:
        from prometheus_api_client import PrometheusConnect
        from urllib3.util.retry import Retry

        c = self._clients.get(cluster)
        if c is None:
            # no retries inside the library: a dead server must cost one timeout, and the
            # callers (refresh timers, canary gates) already ask again on their own clock
            c = PrometheusConnect(url=self.targets[cluster].url, disable_ssl=False,
                                  retry=Retry(total=0, read=False, raise_on_status=False),
                                  timeout=self.timeout)
            self._clients[cluster] = c
        return c

    async def _one(self, cluster: str, call: Any) -> ClusterAnswer:
        started = time.monotonic()
        async with self._sem:
            loop = asyncio.get_running_loop()
            try:
                fut = loop.run_in_executor(self._executor, call, self._client(cluster))
                data = await asyncio.wait_for(fut, self.timeout + 1.0)
            except TimeoutError:
                return ClusterAnswer(cluster, error="timed out", error_kind="timeout",
                                     elapsed=time.monotonic() - started)
            except Exception as exc:  # every failure is this cluster's answer, never the fleet's
                err = _explain(exc)
                return ClusterAnswer(cluster, error=str(err), error_kind=err.kind,
                                     elapsed=time.monotonic() - started)
        result_type = None
        if isinstance(data, dict) and set(data) == {"resultType", "result"}:
            result_type, data = data.get("resultType"), data.get("result")
        return ClusterAnswer(cluster, result=data, result_type=result_type,
                             elapsed=time.monotonic() - started)

    async def _fan_out(self, call: Any, clusters: Iterable[str] | None) -> FleetAnswer:
        names = [c for c in (clusters if clusters is not None else self.targets) if c in self.targets]
        answers = await asyncio.gather(*(self._one(c, call) for c in names))
        out = FleetAnswer({a.cluster: a for a in answers})
        for c in clusters or ():
            if c not in self.targets:
                out.answers[c] = ClusterAnswer(c, error="no Prometheus configured (fleet file `prometheus:`)",
                                               error_kind="unconfigured")
        return out

    async def query(self, promql: str, *, at: datetime | None = None,
                    clusters: Iterable[str] | None = None) -> FleetAnswer:
        """An instant query on every (or the named) cluster's Prometheus."""
        params = {"time": f"{at.timestamp():.3f}"} if at is not None else None

        def call(c: Any) -> Any:
            return {"resultType": None, "result": c.custom_query(promql, params=params)}

        return await self._fan_out(call, clusters)

    async def query_range(self, promql: str, start: datetime, end: datetime, step: float, *,
                          clusters: Iterable[str] | None = None) -> FleetAnswer:
        params = {"query": promql, "start": f"{start.timestamp():.3f}", "end": f"{end.timestamp():.3f}",
                  "step": f"{step:g}"}

        def call(c: Any) -> Any:
            # through the client's session, but parsed here: a range answer is the largest
            # body fleettui reads, and orjson parses it in a fraction of json's time (the
            # pool's threads share the GIL with the screen)
            data = _get(c.url, "/api/v1/query_range", params, headers=c.headers, timeout=self.timeout,
                        session=getattr(c, "_session", None))
            return {"resultType": "matrix", "result": (data or {}).get("result") or []}

        return await self._fan_out(call, clusters)

    async def get(self, path: str, params: Mapping[str, str] | None = None, *,
                  clusters: Iterable[str] | None = None) -> FleetAnswer:
        """Any read-only API path the library has no call for (`/api/v1/rules`,
        `/api/v1/alerts`, `/api/v1/status/buildinfo`): its JSON `data`."""

        def call(c: Any) -> Any:
            return _get(c.url, path, dict(params or {}), headers=c.headers, timeout=self.timeout)

        return await self._fan_out(call, clusters)


def _get(url: str, path: str, params: dict[str, str], *, headers: Any, timeout: float,
         session: Any = None) -> Any:
    """GET returning Prometheus' `data`; its error envelope becomes a PromError with
    Prometheus' own message."""
    import orjson
    import requests

    response = (session or requests).get(f"{url}{path}", params=params, headers=headers, timeout=timeout)
    try:
        payload = orjson.loads(response.content)
    except ValueError:  # orjson.JSONDecodeError is one
        payload = None
    if response.status_code != 200 or not isinstance(payload, dict) or payload.get("status") != "success":
        if isinstance(payload, dict) and payload.get("error"):
            kind = "bad_query" if payload.get("errorType") == "bad_data" else "error"
            raise PromError(str(payload["error"]), kind=kind)
        if response.status_code == 503:
            raise PromError("unavailable (HTTP 503)", kind="unreachable")
        raise PromError(f"HTTP {response.status_code}", kind="error")
    return payload.get("data")
