"""The read-only guard: which HTTP methods change a cluster, and the check that refuses them.

It is called from the one function that sends requests (`transport.Transport.request`),
so no verb, present or future, can reach a cluster without passing it.
"""

from __future__ import annotations

from fleettui.kube.errors import ReadOnlyViolation

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check(method: str, path: str, *, read_only: bool, cluster: str) -> None:
    """Raise ReadOnlyViolation for a mutating method on a read-only client.

    Unknown methods are refused as well: only methods known to be safe pass.
    """
    m = method.upper()
    if m not in SAFE_METHODS and m not in MUTATING_METHODS:
        raise ValueError(f"unsupported HTTP method {method!r}")
    if read_only and m not in SAFE_METHODS:
        raise ReadOnlyViolation(
            f"read-only mode: refused {m} {path}",
            cluster=cluster,
            reason="ReadOnly",
        )
