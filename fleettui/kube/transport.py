"""The one place that sends HTTP requests to a cluster.

kubernetes_asyncio turns the kubeconfig context into a `Configuration` (server,
TLS, bearer token, client certificates, exec plugins) and its
`RESTClientObject` owns the aiohttp session with the right SSL context; we send
raw JSON through that session ourselves, because the typed models are slow and
drop fields we need.

Every request goes through `Transport._send`, whose first statement is the
read-only guard: there is no other path to the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import ssl
import weakref
from typing import Any
from urllib.parse import urlencode

import aiohttp
from kubernetes_asyncio.client import Configuration
from kubernetes_asyncio.client.rest import RESTClientObject
from kubernetes_asyncio.config import ConfigException
from kubernetes_asyncio.config.kube_config import load_kube_config_from_dict

from fleettui.config import mode
from fleettui.kube import errors, guard

try:
    import orjson as _orjson
except ImportError:  # optional speed-up: the standard json module does the same job
    _orjson = None  # type: ignore[assignment]  # the module or None: every use checks which

log = logging.getLogger(__name__)

USER_AGENT = "fleettui/0.1"
# Enough parallel connections for one informer watch per kind plus lists and probes.
POOL_SIZE = 64
_SYSTEM_CA_CONTEXT: ssl.SSLContext | None = None


def _rest_client(cfg: Configuration) -> RESTClientObject:
    """A `RESTClientObject` for `cfg` whose aiohttp session we build ourselves:

    - clusters that trust the system CAs (no CA file, no client certificate) share
      one SSL context: building it loads the whole system bundle (~30 ms of
      blocked event loop), which for a hundred such clusters was seconds at start;
    - `trust_env=False`: with it, aiohttp sends every request through two thread
      pool hops (a ~/.netrc lookup and the proxy environment), ~0.4 s of a
      100-cluster sync. client-go never reads netrc; the proxy environment
      (HTTPS_PROXY, NO_PROXY) is read once per cluster instead (`env_proxy`).
    (Added by the store/sync work.)"""
    global _SYSTEM_CA_CONTEXT
    if (
        cfg.ssl_ca_cert
        or cfg.cert_file
        or not cfg.verify_ssl
        or cfg.disable_strict_ssl_verification
    ):
        # as RESTClientObject.__init__ builds it
        ssl_context = ssl.create_default_context(cafile=cfg.ssl_ca_cert)
        if cfg.cert_file:
            ssl_context.load_cert_chain(cfg.cert_file, keyfile=cfg.key_file)
        if not cfg.verify_ssl:
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE
        if cfg.disable_strict_ssl_verification:
            ssl_context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    else:
        if _SYSTEM_CA_CONTEXT is None:
            _SYSTEM_CA_CONTEXT = ssl.create_default_context()
        ssl_context = _SYSTEM_CA_CONTEXT
    rest = RESTClientObject.__new__(RESTClientObject)
    rest.server_hostname = cfg.tls_server_name
    rest.proxy = cfg.proxy
    rest.proxy_headers = cfg.proxy_headers
    rest.pool_manager = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=cfg.connection_pool_maxsize, ssl=ssl_context),
        trust_env=False,
        read_bufsize=2**21,
    )
    return rest


class _HubPools:
    """One HTTP session per hub, shared by every member reached through that hub's
    Cluster Gateway: a thousand gateway members with a session each opened a
    thousand pools (and two thousand connects) to the same host. Shared, the
    members' requests reuse keep-alive connections, so the connections to a hub are
    bounded by what is in flight (the sync's fleet-wide gate, plus one per open
    watch stream), not by the member count. Reference-counted; per event loop, as
    an aiohttp session belongs to the loop that made it.

    Sessions carry no credentials (the Authorization header is added per request),
    so sharing is keyed by what the connection itself depends on: the server, TLS
    material and proxy."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[Any, dict[tuple, list[Any]]] = weakref.WeakKeyDictionary()

    @staticmethod
    def key(cfg: Configuration) -> tuple:
        return (cfg.host, cfg.ssl_ca_cert, cfg.cert_file, cfg.key_file, cfg.verify_ssl,
                cfg.disable_strict_ssl_verification, cfg.proxy, cfg.tls_server_name)

    def acquire(self, cfg: Configuration) -> RESTClientObject:
        pools = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        entry = pools.get(self.key(cfg))
        if entry is None or entry[0].pool_manager.closed:
            # no per-host cap: watches hold a connection each for minutes; requests
            # are bounded by the sync's gate
            cfg.connection_pool_maxsize = 0
            entry = pools[self.key(cfg)] = [_rest_client(cfg), 0]
        entry[1] += 1
        return entry[0]

    async def release(self, rest: RESTClientObject) -> bool:
        """Drop one reference; closes the session with the last. False: not shared."""
        pools = self._by_loop.get(asyncio.get_running_loop(), {})
        for key, entry in list(pools.items()):
            if entry[0] is rest:
                entry[1] -= 1
                if entry[1] <= 0:
                    del pools[key]
                    await rest.close()
                return True
        return False

    def sessions(self) -> int:
        """Open shared sessions on this loop (tests)."""
        return len(self._by_loop.get(asyncio.get_running_loop(), {}))


HUB_POOLS = _HubPools()


@functools.lru_cache(maxsize=1)
def _proxies_from_env() -> dict[str, Any]:
    # read once per process, as client-go does (walking os.environ per cluster
    # was ~10% of a 100-cluster sync's CPU)
    from aiohttp.helpers import proxies_from_env

    return proxies_from_env()


def env_proxy(host: str) -> tuple[str | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for `host` (HTTPS_PROXY/HTTP_PROXY, minus
    NO_PROXY), as aiohttp's trust_env would find it per request."""
    from urllib.request import proxy_bypass

    from yarl import URL

    try:
        url = URL(host)
        info = _proxies_from_env().get(url.scheme)
        # NO_PROXY is only looked at when there is a proxy to bypass
        if info is None or (url.host is not None and proxy_bypass(url.host)):
            return None, None
    except ValueError:
        return None, None
    return str(info.proxy), info.proxy_auth


class Transport:
    """HTTP to one cluster: credentials loaded lazily, the read-only guard, error mapping."""

    __slots__ = (
        "_config_dict",
        "_context",
        "_cluster",
        "_read_only",
        "_timeout",
        "_cfg",
        "_rest",
        "_proxy",
        "_auth",
        "_lock",
        "_refreshable",
        "_closed",
        "_prefix",
    )

    def __init__(
        self,
        config_dict: dict[str, Any],
        *,
        context: str,
        cluster: str,
        read_only: bool,
        timeout: float,
        path_prefix: str = "",
    ) -> None:
        """`path_prefix` goes before every API path on the wire (a member reached
        through its hub's Cluster Gateway proxy); the guard and errors see the
        member's own path."""
        self._config_dict = config_dict
        self._prefix = path_prefix.rstrip("/")
        self._context = context
        self._cluster = cluster
        self._read_only = bool(read_only)
        self._timeout = timeout
        self._cfg: Configuration | None = None
        self._rest: RESTClientObject | None = None
        self._proxy: tuple[str | None, aiohttp.BasicAuth | None] = (None, None)
        self._auth: str | None = None
        self._lock: asyncio.Lock | None = None
        user = _user_of(config_dict, context)
        # Credentials that can change under us (exec plugins, rotated token files,
        # auth providers) are reloaded once on a 401.
        self._refreshable = bool(user) and any(
            k in user for k in ("exec", "auth-provider", "tokenFile")
        )
        self._closed = False

    @property
    def read_only(self) -> bool:
        """Built read-only, or running in a read-only process (what the guard enforces)."""
        return self._read_only or mode.current().read_only

    @property
    def timeout(self) -> float:
        return self._timeout

    @property
    def host(self) -> str | None:
        return self._cfg.host + self._prefix if self._cfg else None

    async def close(self) -> None:
        self._closed = True
        if self._rest is not None:
            rest, self._rest = self._rest, None
            await self._release(rest)

    async def _release(self, rest: RESTClientObject) -> None:
        if not await HUB_POOLS.release(rest):
            await rest.close()

    # -- requests -----------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        request_timeout: float | None = None,
    ) -> Any:
        """Send, read the whole answer, return parsed JSON (None for an empty body); raise on failure."""
        t = self._timeout if request_timeout is None else request_timeout
        client_timeout = aiohttp.ClientTimeout(total=t)
        resp = await self._send(
            method,
            path,
            params=params,
            body=body,
            content_type=content_type,
            client_timeout=client_timeout,
            timeout_label=t,
        )
        try:
            data = await resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise self._unreachable(exc, t) from exc
        finally:
            resp.release()
        if not data:
            return None
        try:
            return parse_json(data)
        except ValueError as exc:
            raise errors.KubeError(
                f"{method} {path}: the server answered with something that is not JSON",
                cluster=self._cluster,
                status=resp.status,
            ) from exc

    async def stream(
        self,
        path: str,
        *,
        params: dict[str, Any] | None,
        connect_timeout: float,
        read_timeout: float,
    ) -> aiohttp.ClientResponse:
        """A GET whose body the caller reads incrementally (watch); caller must `release()` it."""
        client_timeout = aiohttp.ClientTimeout(
            total=None,
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        return await self._send(
            "GET",
            path,
            params=params,
            body=None,
            content_type="application/json",
            client_timeout=client_timeout,
            timeout_label=read_timeout,
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None,
        body: Any,
        content_type: str,
        client_timeout: aiohttp.ClientTimeout,
        timeout_label: float,
    ) -> aiohttp.ClientResponse:
        guard.check(method, path, read_only=self._read_only, cluster=self._cluster)
        if self._closed:
            raise errors.KubeError("client is closed", cluster=self._cluster)
        await self._ensure()
        data: bytes | None = None
        if body is not None:
            data = (
                body
                if isinstance(body, bytes)
                else json.dumps(body, separators=(",", ":")).encode()
            )
        for attempt in (0, 1):
            resp = await self._raw(
                method, path, params, data, content_type, client_timeout, timeout_label
            )
            if 200 <= resp.status < 300:
                return resp
            try:
                payload = await resp.read()
            except (TimeoutError, aiohttp.ClientError):
                payload = b""
            finally:
                resp.release()
            if resp.status == 401 and attempt == 0 and self._refreshable:
                log.info("%s: 401, reloading credentials once", self._cluster)
                await self._load(reload=True)
                continue
            raise errors.from_response(
                self._cluster,
                resp.status,
                payload,
                retry_after=_retry_after(resp.headers.get("Retry-After")),
            )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _raw(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        data: bytes | None,
        content_type: str,
        client_timeout: aiohttp.ClientTimeout,
        timeout_label: float,
    ) -> aiohttp.ClientResponse:
        assert self._rest is not None and self._cfg is not None
        url = self._cfg.host + self._prefix + path
        if params:
            url += "?" + urlencode({k: _param(v) for k, v in params.items() if v is not None})
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if data is not None:
            headers["Content-Type"] = content_type
        if self._auth:
            headers["Authorization"] = self._auth
        kwargs: dict[str, Any] = {"headers": headers, "data": data, "timeout": client_timeout}
        if self._rest.proxy:
            kwargs["proxy"] = self._rest.proxy
        elif self._proxy[0]:
            kwargs["proxy"], kwargs["proxy_auth"] = self._proxy
        if self._rest.server_hostname:
            kwargs["server_hostname"] = self._rest.server_hostname
        try:
            return await self._rest.pool_manager.request(method, url, **kwargs)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise self._unreachable(exc, timeout_label) from exc

    def _unreachable(self, exc: BaseException, timeout: float) -> errors.Unreachable:
        if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
            msg = f"no answer within {timeout:g}s"
        elif isinstance(exc, aiohttp.ClientSSLError):
            msg = f"TLS failure: {exc}"
        elif isinstance(exc, aiohttp.ClientConnectorError):
            msg = f"cannot connect to {self.host}: {exc.os_error.strerror or exc.os_error}"
        elif isinstance(exc, aiohttp.ServerDisconnectedError):
            msg = "the server closed the connection"
        elif isinstance(exc, aiohttp.ClientPayloadError):
            msg = "the connection broke while reading the answer"
        else:
            msg = f"{type(exc).__name__}: {exc}"
        return errors.Unreachable(msg, cluster=self._cluster, reason="Unreachable")

    # -- credentials ----------------------------------------------------------

    async def _ensure(self) -> None:
        if self._rest is not None:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._rest is None:
                await self._load(reload=False)

    async def _load(self, *, reload: bool) -> None:
        cfg = Configuration()
        try:
            await load_kube_config_from_dict(
                self._config_dict, context=self._context, client_configuration=cfg
            )
        except (ConfigException, AssertionError, KeyError, OSError, ValueError) as exc:
            raise errors.ConfigurationError(
                f"context {self._context!r}: cannot load credentials: {exc or type(exc).__name__}",
                cluster=self._cluster,
                reason="Configuration",
            ) from exc
        if not cfg.host or cfg.host == "http://localhost":
            server = _server_of(self._config_dict, self._context)
            if not server:
                raise errors.ConfigurationError(
                    f"context {self._context!r}: its cluster has no server",
                    cluster=self._cluster,
                    reason="Configuration",
                )
        auth = await cfg.auth_settings()
        self._auth = auth["BearerToken"]["value"] if "BearerToken" in auth else None
        if (
            reload
            and self._rest is not None
            and (cfg.cert_file == self._cfg.cert_file if self._cfg else True)
        ):
            self._cfg = cfg  # same TLS identity: keep the session, only the token changed
            return
        cfg.connection_pool_maxsize = POOL_SIZE
        old = self._rest
        self._cfg = cfg
        # a gateway member (a path prefix on its hub's server) shares its hub's session
        self._rest = HUB_POOLS.acquire(cfg) if self._prefix else _rest_client(cfg)
        self._proxy = env_proxy(cfg.host) if not cfg.proxy else (None, None)
        if old is not None:
            with contextlib.suppress(Exception):
                await self._release(old)


def parse_json(data: bytes) -> Any:
    """Parse an answer's JSON: orjson (2x faster than `json` on list answers)
    when installed, with the cyclic garbage collector paused.

    A list answer is tens of thousands of fresh dicts and lists; each few
    hundred allocations trigger a collection, and as the cache of parsed
    objects grows the older generations get scanned again and again: profiled
    on a 100-cluster sync, collections made up most of the parse time. Parsed
    JSON holds no reference cycles, so nothing is lost by not looking; the
    collector catches up at its next natural trigger.
    """
    if not gc.isenabled():
        return _loads(data)
    gc.disable()
    try:
        return _loads(data)
    finally:
        gc.enable()


def _loads(data: bytes) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass  # e.g. an integer beyond 64 bits: the standard parser has no limit
    return json.loads(data)


def _param(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _context_of(config_dict: dict[str, Any], context: str) -> dict[str, Any]:
    for c in config_dict.get("contexts") or []:
        if c.get("name") == context:
            return c.get("context") or {}
    return {}


def _user_of(config_dict: dict[str, Any], context: str) -> dict[str, Any]:
    user = _context_of(config_dict, context).get("user")
    for u in config_dict.get("users") or []:
        if u.get("name") == user:
            return u.get("user") or {}
    return {}


def _server_of(config_dict: dict[str, Any], context: str) -> str | None:
    cluster = _context_of(config_dict, context).get("cluster")
    for c in config_dict.get("clusters") or []:
        if c.get("name") == cluster:
            return (c.get("cluster") or {}).get("server")
    return None
