"""The read-only guard: which HTTP methods change a cluster, and the check that refuses them.

It is called from the one function that sends requests (`transport.Transport.request`),
so no verb, present or future, can reach a cluster without passing it. A request is
refused when its client was built read-only *or* the process is read-only
(`--read-only`, `--watch`: `fleettui.config.mode`), whatever the client was built with.
"""

from __future__ import annotations

from fleettui.config import mode
from fleettui.kube.errors import ReadOnlyViolation

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check(method: str, path: str, *, read_only: bool, cluster: str) -> None:
    """Raise ReadOnlyViolation for a mutating method on a read-only client or in a read-only process.

    Unknown methods are refused as well: only methods known to be safe pass.
    """
    m = method.upper()
    if m not in SAFE_METHODS and m not in MUTATING_METHODS:
        raise ValueError(f"unsupported HTTP method {method!r}")
    if m in SAFE_METHODS:
        return
    policy = mode.current()
    if policy.read_only:
        raise ReadOnlyViolation(policy.refusal(f"send {m} {path} to {cluster}"), cluster=cluster, reason="ReadOnly")
    if read_only:
        raise ReadOnlyViolation(
            f"read-only mode: refused {m} {path}",
            cluster=cluster,
            reason="ReadOnly",
        )
