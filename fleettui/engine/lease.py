"""Who holds an application's lease (local hub), and whether that process still lives.

The lease row keeps two fleettui processes from running one application at once.
A process killed with SIGKILL leaves its lease behind until it expires; waiting
out a dead process's lease would make the next command refuse for no reason (and
before, say nothing and exit 0). The owner id carries host and pid so a process on
the same host can tell a dead holder from a live one; on another host (a shared
cache on a network file system) only expiry counts.
"""

from __future__ import annotations

import os
import socket
import uuid

from fleettui.engine.errors import EngineError


class LeaseHeld(EngineError):
    """Another live fleettui process runs this application now."""

    def __init__(self, namespace: str, name: str, owner: str) -> None:
        self.owner = owner
        host, pid = holder(owner)
        who = f"pid {pid}" + ("" if host == socket.gethostname() else f" on {host}") if pid else owner
        super().__init__(f"application {namespace}/{name} is being run by another fleettui process ({who}); "
                         "it carries on the workflow there — try again when it has finished")


def new_owner() -> str:
    return f"{socket.gethostname()}/{os.getpid()}-{uuid.uuid4().hex[:8]}"


def holder(owner: str) -> tuple[str | None, int | None]:
    """(host, pid) of an owner id made by `new_owner` (None, None for any other form)."""
    host, sep, rest = owner.rpartition("/")
    pid = rest.split("-", 1)[0]
    if not sep or not pid.isdigit():
        return None, None
    return host, int(pid)


def holder_is_dead(owner: str) -> bool:
    """True only when the holder is certainly gone: same host, and no such pid."""
    host, pid = holder(owner)
    if pid is None or host != socket.gethostname():
        return False
    if pid == os.getpid():
        return False  # another engine of this very process (e.g. the dashboard's): alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, another user's
    return False
