"""Turning a failure into the few words a cluster row shows (`last_error`).

Each fault must read as what it is: "connection refused" is not "timed out"
is not "server error 500"; the operator acts differently on each.
"""

from __future__ import annotations

import asyncio

from fleettui.kube import errors


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, errors.KubeError):
        message = (getattr(exc, "message", None) or str(exc) or "").strip()
        status = getattr(exc, "status", None)
        reason = getattr(exc, "reason", None)
        if isinstance(exc, errors.Unreachable):
            return f"unreachable: {message}" if message else "unreachable"
        head = " ".join(str(p) for p in (status, reason) if p)
        if head and message and not message.startswith(head):
            return f"{head}: {message}"
        return message or head or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def is_unreachable(exc: BaseException) -> bool:
    return isinstance(exc, errors.Unreachable | TimeoutError | asyncio.TimeoutError | OSError)
