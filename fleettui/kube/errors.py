"""Typed errors for everything that can go wrong talking to a cluster.

The API server answers failures with a `Status` object (API conventions:
`{"kind": "Status", "status": "Failure", "message", "reason", "code",
"details": {"causes": [...]}}`); `from_response` turns one into the matching
exception so callers can `except errors.Conflict` instead of comparing codes.
Every error names its cluster, so a message shown to the user always says
where it happened.
"""

from __future__ import annotations

import json
from typing import Any

from fleettui.config.mode import WriteRefused


class KubeError(Exception):
    """Base class: `cluster`, `status` (HTTP code, 0 when none), `reason`, `message`."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        cluster: str = "",
        status: int = 0,
        reason: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.cluster = cluster
        self.status = status
        self.reason = reason
        self.details = details or {}

    @property
    def causes(self) -> list[dict[str, Any]]:
        """Field-level causes of an Invalid (422) error: [{"field", "reason", "message"}]."""
        causes = self.details.get("causes")
        return causes if isinstance(causes, list) else []

    def __str__(self) -> str:
        where = f"{self.cluster}: " if self.cluster else ""
        code = (
            f" ({self.status} {self.reason})"
            if self.status and self.reason
            else (f" ({self.status})" if self.status else "")
        )
        return f"{where}{self.message}{code}"


class NotFound(KubeError):
    pass


class UnknownResource(NotFound):
    """The cluster does not serve this apiVersion/kind (CRD not installed?)."""


class AlreadyExists(KubeError):
    pass


class Conflict(KubeError):
    """409 other than AlreadyExists: a stale resourceVersion or a field-manager conflict."""


class Invalid(KubeError):
    """422: the object was rejected; `causes` names the fields."""


class BadRequest(KubeError):
    pass


class Unauthorized(KubeError):
    pass


class Forbidden(KubeError):
    pass


class Gone(KubeError):
    """410: the resourceVersion is too old (watch) or a continue token expired (list): relist."""


class ResourceVersionTooLarge(Gone):
    """The server has not reached the resourceVersion we asked for (504 with cause
    ResourceVersionTooLarge): our cache comes from another incarnation of the cluster
    (recreated, restored from backup, or a different cluster behind the same context).
    Handled like Gone: relist, as client-go's reflector does."""


class TooManyRequests(KubeError):
    """429: the server asks us to slow down (`retry_after` seconds when it says)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(KubeError):
    """5xx: the server (or a proxy in front of it) failed; worth retrying later."""

    retryable = True


class Unreachable(KubeError):
    """No answer: connection refused/reset, DNS failure, TLS failure, or a timeout."""

    retryable = True


class ConfigurationError(KubeError):
    """The context cannot be used: no server, or credentials that cannot be loaded (exec plugin failed, file missing)."""


class ReadOnlyViolation(KubeError, WriteRefused):
    """A mutating verb on a read-only client or in a read-only process; raised before
    anything is sent. Also a `WriteRefused`, so the CLI reports it as every other refusal."""


_BY_STATUS: dict[int, type[KubeError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    422: Invalid,
    429: TooManyRequests,
}


def parse_status(body: bytes | str | dict[str, Any] | None) -> dict[str, Any] | None:
    """The Status object in a response body, or None when the body is not one."""
    if body is None:
        return None
    if isinstance(body, dict):
        return body if body.get("kind") == "Status" or "code" in body else None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("kind") == "Status" else None


def from_status(
    cluster: str,
    code: int,
    status: dict[str, Any] | None,
    *,
    fallback: str = "",
    retry_after: float | None = None,
) -> KubeError:
    """The exception for an HTTP failure `code` whose body parsed to `status` (maybe None)."""
    status = status or {}
    code = int(status.get("code") or code or 0)
    reason = str(status.get("reason") or "")
    message = str(status.get("message") or fallback or _default_message(code))
    details = status.get("details") if isinstance(status.get("details"), dict) else None
    causes = (details or {}).get("causes")
    if isinstance(causes, list) and any(
        isinstance(c, dict) and c.get("reason") == "ResourceVersionTooLarge" for c in causes
    ):
        cls: type[KubeError] = ResourceVersionTooLarge
    elif code == 409 and reason == "AlreadyExists":
        cls = AlreadyExists
    elif code in _BY_STATUS:
        cls = _BY_STATUS[code]
    elif code >= 500:
        cls = ServerError
    else:
        cls = KubeError
    if cls is TooManyRequests:
        return TooManyRequests(
            message,
            cluster=cluster,
            status=code,
            reason=reason,
            details=details,
            retry_after=retry_after,
        )
    return cls(message, cluster=cluster, status=code, reason=reason, details=details)


def from_response(
    cluster: str, code: int, body: bytes | str | None, *, retry_after: float | None = None
) -> KubeError:
    """Map an HTTP failure to a typed error, reading the Status body when there is one."""
    status = parse_status(body)
    fallback = ""
    if status is None and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        fallback = text.strip().splitlines()[0][:200] if text.strip() else ""
    return from_status(cluster, code, status, fallback=fallback, retry_after=retry_after)


def _default_message(code: int) -> str:
    return {
        400: "bad request",
        401: "unauthorized: the credentials were not accepted",
        403: "forbidden",
        404: "not found",
        409: "conflict",
        410: "gone: resource version too old",
        422: "invalid",
        429: "too many requests",
        500: "internal server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }.get(code, f"HTTP {code}")
