"""Fleet membership while the sync runs: what changed between two discoveries.

Members come and go while fleettui runs: `fleettui cluster add` edits the
fleet file, a kubeconfig gains a context, the hub accepts a new OCM
ManagedCluster. `FleetSync` re-discovers periodically (and on demand) and
applies the difference computed here: start informers for new members, stop
and forget removed ones, restart a member whose connection (context, server)
changed, re-register one whose labels or registration changed.

A discovery that could not read the hub must not read as "every hub-registered
cluster left the fleet": those members are kept until the hub answers again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fleettui.config.hub import resolve_hub
from fleettui.sync.discovery import Member

log = logging.getLogger(__name__)

# (members, kubeconfig) of one fresh discovery; kubeconfig None: unchanged
Discovery = Callable[[], Awaitable[tuple[Sequence[Any], Any]]]

_HUB_SOURCES = ("ocm", "vela", "gateway")

# After a requested re-discovery, a few more at these delays (s): the hub finishes what an
# action started on its own time (an accepted cluster is Joined and Available only once its
# agent holds a certificate; a detached one leaves when its finalizers are done).
FOLLOW_UPS = (2.0, 5.0, 10.0)


class RediscoveryRequests:
    """Asks for a re-discovery that arrive through the shared cache.

    The screen (its own thread, or another process on the same cache file) writes
    `store.REDISCOVER_META` after a membership action; a change of its value is a request.
    `read()` is one cheap meta read; a failed read (a busy cache) is no request."""

    def __init__(self, read: Callable[[], Awaitable[str | None]]) -> None:
        self._read = read
        self._seen: str | None = None

    async def _value(self) -> str | None:
        try:
            return await self._read()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("reading the re-discovery request: %s", exc)
            return self._seen

    async def prime(self) -> None:
        """Take the value as it is now: a request written before this sync started was
        answered by its first discovery."""
        self._seen = await self._value()

    async def changed(self) -> bool:
        value = await self._value()
        if value == self._seen:
            return False
        self._seen = value
        return True

    async def wait(self, seconds: float, event: asyncio.Event, *, poll: float = 1.0) -> bool:
        """Wait up to `seconds`; True as soon as `event` is set (an in-process request)
        or the cache's request changes (checked every `poll` s), False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                async with asyncio.timeout(min(poll, left)):
                    await event.wait()
                return True
            except TimeoutError:
                pass
            if await self.changed():
                return True
        return False



@dataclass(frozen=True)
class MembershipChange:
    """What one re-discovery changed (names, in discovery order)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    reconnected: tuple[str, ...] = ()  # context or server changed: informers restarted
    updated: tuple[str, ...] = ()  # registration fields changed (labels, provider, ...)
    errors: tuple[str, ...] = field(default=())  # discovery problems (reported, not raised)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.reconnected or self.updated)


def hub_unread(errors: Sequence[str]) -> bool:
    """Whether discovery's problems say the hub could not be read (see discovery.py)."""
    return any(str(e).startswith("hub ") for e in errors)


def _connection(member: Member) -> tuple[Any, ...]:
    # a member moving between direct and gateway access is a new connection
    return tuple(getattr(member, k, None) for k in ("context", "server", "access", "via", "gateway"))


def _from_hub(member: Member) -> bool:
    return member.source in _HUB_SOURCES or (member.context is None and bool(member.registration))


def diff_members(
    old: Mapping[str, Member],
    new: Sequence[Member],
    *,
    fields: Callable[[Member], Mapping[str, Any]],
    errors: Sequence[str] = (),
) -> tuple[list[Member], MembershipChange]:
    """The member list to run with, and how it differs from `old` (by name).

    `fields(member)` gives the registration fields written to the store; a
    difference there is an update. When `errors` say the hub was not read,
    members the hub had registered stay (the hub may be briefly unreachable).
    """
    kept_from_hub = hub_unread(errors)
    names = {m.name for m in new}
    result = list(new)
    if kept_from_hub:
        result += [m for name, m in old.items() if name not in names and _from_hub(m)]
    added, reconnected, updated = [], [], []
    for m in result:
        before = old.get(m.name)
        if before is None:
            added.append(m.name)
        elif _connection(before) != _connection(m):
            reconnected.append(m.name)
        elif fields(before) != fields(m):
            updated.append(m.name)
    final = {m.name for m in result}
    removed = [name for name in old if name not in final]
    change = MembershipChange(tuple(added), tuple(removed), tuple(reconnected), tuple(updated),
                              tuple(str(e) for e in errors))
    return result, change


def reloading_discovery(
    kubeconfig_paths: Any,
    fleet_path: Any,
    globs: list[str] | None,
    *,
    hub: str | None = None,
    request_timeout: float = 10.0,
) -> Discovery:
    """A `FleetSync(discover=...)` that re-reads the kubeconfig files and the fleet
    file each time (what `fleettui cluster add` and kubeconfig edits change) and
    asks the hub again. `kubeconfig_paths`: the `--kubeconfig` value or None
    (`$KUBECONFIG`, read at each call); `fleet_path`: the fleet file (may be missing)."""

    async def discover() -> tuple[Sequence[Any], Any]:
        from fleettui.config.fleetfile import FleetFile
        from fleettui.config.kubeconfig import load_kubeconfig
        from fleettui.sync.discovery import discover_members

        kubeconfig = load_kubeconfig(kubeconfig_paths)
        fleet = FleetFile.load(fleet_path, missing_ok=True) if fleet_path else None
        members = await discover_members(
            kubeconfig, fleet, globs, read_only=True,
            hub_context=resolve_hub(kubeconfig, fleet, hub), request_timeout=request_timeout,
        )
        return members, kubeconfig

    return discover
