"""The process's write policy: may this fleettui process change anything at all?

`--read-only` and `--watch` promise that nothing changes: no request that mutates a
cluster, no edit of the fleet file, no write of the applications the cache holds for
the local hub. Passing a `read_only` flag down to every client and hub cannot keep
that promise (one forgotten flag and `--watch app apply` deploys), so the CLI sets
this policy once, around the whole command, and the three places that write consult
it at the moment of writing: the kube guard (`kube/guard.py`), the fleet-file writer
(`config/fleetfile.py`) and the store's write transactions (`Store._transaction()`).
A client or hub built with `read_only=False` cannot get past it.

It is process-wide on purpose (not a contextvar): the dashboard runs its sync and
hub actions on other threads and event loops, and they must see the same policy.
It fails closed: a scope can only tighten it, never lift a read-only scope around it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass


class WriteRefused(Exception):
    """A write attempted in a read-only process; refused before anything was written."""


@dataclass(frozen=True)
class WritePolicy:
    read_only: bool = False
    # the option that made the process read-only, named in every refusal so the
    # operator knows which flag to drop ("--watch" or "--read-only")
    reason: str = ""

    def refusal(self, what: str) -> str:
        return f"read-only mode: refused to {what} ({self.reason})"

    def check(self, what: str) -> None:
        """Raise WriteRefused when the process is read-only; `what` completes 'refused to ...'."""
        if self.read_only:
            raise WriteRefused(self.refusal(what))


WRITABLE = WritePolicy()

_lock = threading.Lock()
_policy = WRITABLE


def current() -> WritePolicy:
    """The policy in force now (read at the moment of each write, never cached)."""
    return _policy


def require_writable(what: str) -> None:
    """The check every writer calls: WriteRefused in a read-only process."""
    _policy.check(what)


@contextlib.contextmanager
def session_mode(*, read_only: bool = False, watch: bool = False) -> Iterator[WritePolicy]:
    """Run a command under the policy its options ask for; the previous one is restored after.

    `--watch` implies `--read-only`. Nested scopes only tighten: inside a read-only scope,
    asking for a writable one leaves the process read-only.
    """
    global _policy
    if watch:
        wanted = WritePolicy(True, "--watch is read-only")
    elif read_only:
        wanted = WritePolicy(True, "--read-only")
    else:
        wanted = WRITABLE
    with _lock:
        previous = _policy
        _policy = previous if previous.read_only else wanted
        in_force = _policy
    try:
        yield in_force
    finally:
        with _lock:
            _policy = previous
