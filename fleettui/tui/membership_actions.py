"""The clusters pane's membership actions on the hub, as FleetApp runs them.

Each action asks what it needs (a form, or a confirmation naming what it will do) and
then runs the very `engine.membership` function `fleettui cluster accept|deny|taint|
untaint|hub-label|set|detach` runs, with a client on the hub from `hub_client` (made by
the dashboard as the command makes it). Read-only and watch mode are refused here first
with a word (`_allowed`), and again by the kube layer's guard on that client, which is
the one that counts.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fleettui.engine import membership
from fleettui.engine.registration import RegistrationView, detach_consequences, gather
from fleettui.store import REDISCOVER_META
from fleettui.tui.panes.clusters import MembershipRequest
from fleettui.tui.screens.membership_dialogs import (
    ClustersetForm,
    LabelChange,
    LabelForm,
    TaintForm,
    TaintRef,
    UntaintForm,
)
from fleettui.tui.screens.registration import RegistrationScreen

if TYPE_CHECKING:
    from fleettui.store import ClusterRow

# hub_client() -> async context manager yielding the hub's fleettui.kube.client.ClusterClient
HubClient = Callable[[], AbstractAsyncContextManager[Any]]
MembershipOp = Callable[[Any], Awaitable[str]]

# OCM-only actions: refused at once for a row the hub has no ManagedCluster for (label and
# detach also act on a KubeVela cluster secret, so they ask the hub)
NEEDS_MANAGED_CLUSTER = ("accept", "deny", "taint", "untaint", "clusterset")
DENY_BODY = ("- its agent's pending CSRs are denied\n"
             "- hubAcceptsClient is set to false: the hub revokes it if it had joined")
TITLES = {"accept": "accept", "deny": "deny", "taint": "taint", "untaint": "untaint",
          "hub_label": "label on the hub", "clusterset": "set clusterset", "detach": "detach"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def accept_body(name: str, csrs: list[tuple[str, str | None]], *, source: str = "the cache") -> str:
    """What accepting approves: the agent's pending CSRs (name, requestor) and who asked
    (an operator checks the requestor before letting a cluster in)."""
    lines = [f"- approve CSR {csr} (requested by {who or 'unknown'})" for csr, who in csrs]
    if not csrs:
        lines.append(f"- no pending CSR in {source} (the hub may hold a newer one: it is approved if so)")
    lines.append(f"- set hubAcceptsClient: true on ManagedCluster {name}; the hub's registration "
                 "controller then lets its agent join")
    return "\n".join(lines)


def cached_csrs(row: ClusterRow) -> list[tuple[str, str | None]]:
    return [(str(c.get("name")), c.get("requestor")) for c in row.hub.get("csrs") or ()
            if isinstance(c, dict) and c.get("state") == "pending"]


def detach_confirmation(name: str, plan: list[str], consequences: list[str]) -> tuple[str, str]:
    """(title, body) of the detach confirmation: the hub objects deleted, then what stops."""
    lines = [f"- deletes {line}" for line in plan] + [f"- {line}" for line in consequences]
    return f"Detach cluster {name} from the hub? It stops being managed:", "\n".join(lines)


class MembershipActions:
    """Mixed into FleetApp (which provides `_allowed`, `_confirm`, `store`, `_hub_client`)."""

    _hub_client: HubClient | None

    def membership_request(self, event: MembershipRequest) -> None:
        verb, row = event.verb, event.row
        app: Any = self
        if not app._allowed(TITLES[verb]):
            return
        if self._hub_client is None:
            app.notify("no hub: start fleettui with --hub CONTEXT (or a hub in the fleet file)",
                       title=TITLES[verb], severity="warning")
            return
        name = row.name
        if verb in NEEDS_MANAGED_CLUSTER and not row.hub:
            app.notify(f"cluster {name} has no ManagedCluster on hub {app.hub} (as last synced)",
                       title=TITLES[verb], severity="warning")
            return
        if verb in ("accept", "deny"):
            self._decide_join(verb, name, cached_csrs(row), source="the cache")
        elif verb == "taint":
            def taint(t: membership.Taint | None) -> None:
                if t is not None:
                    self._run_membership("taint", lambda c: membership.taint(c, name, t, now=_now()))

            app.push_screen(TaintForm(name), taint)
        elif verb == "untaint":
            taints = [t for t in row.hub.get("taints") or () if isinstance(t, dict)]
            if not taints:
                app.notify(f"cluster {name} has no taint (as last synced)", title="untaint", severity="warning")
                return

            def untaint(ref: TaintRef | None) -> None:
                if ref is not None:
                    self._run_membership("untaint", lambda c: membership.untaint(c, name, ref.key, ref.effect))

            app.push_screen(UntaintForm(name, taints), untaint)
        elif verb == "hub_label":
            def label(change: LabelChange | None) -> None:
                if change is not None:
                    self._run_membership("label on the hub", lambda c: membership.label(
                        c, name, change.to_set, change.to_remove, overwrite=change.overwrite))

            app.push_screen(LabelForm(name), label)
        elif verb == "clusterset":
            def clusterset(chosen: str | None) -> None:
                if chosen is not None:
                    self._run_membership("set clusterset", lambda c: membership.set_clusterset(c, name, chosen))

            app.push_screen(ClustersetForm(name, str(row.hub.get("clusterset") or "")), clusterset)
        elif verb == "detach":
            app.run_worker(self._detach_plan(name), name="detach plan", group="action", exclusive=True,
                           exit_on_error=False)

    def decide_request(self, event: RegistrationScreen.Decide) -> None:
        """Accept or deny from the registration screen, with the CSRs it just read."""
        app: Any = self
        if app._allowed(TITLES[event.verb]) and self._hub_client is not None:
            csrs = [(r.csr, r.requestor) for r in event.csrs if r.csr and r.csr_state == "pending"]
            self._decide_join(event.verb, event.cluster, csrs, source="the hub")

    def _decide_join(self, verb: str, name: str, csrs: list[tuple[str, str | None]], *, source: str) -> None:
        app: Any = self
        if verb == "accept":
            app._confirm(f"Accept cluster {name} on the hub?", accept_body(name, csrs, source=source), "Accept",
                         lambda: self._run_membership("accept", lambda c: membership.accept(c, name)))
        else:
            app._confirm(f"Deny cluster {name}?", DENY_BODY, "Deny",
                         lambda: self._run_membership("deny", lambda c: membership.deny(c, name)))

    async def _detach_plan(self, name: str) -> None:
        """The confirmation names everything that stops being managed: the hub objects
        deleted (as `fleettui cluster detach` prints them) and, from the cache, the
        applications placed there and the workloads it runs."""
        app: Any = self
        assert self._hub_client is not None
        async with self._hub_client() as client:
            plan = await membership.detach_plan(client, name)
        consequences = await detach_consequences(app.store, name) if app.store is not None else []
        title, body = detach_confirmation(name, plan, consequences)
        app._confirm(title, body, "Detach",
                     lambda: self._run_membership("detach", lambda c: membership.detach(c, name)))

    def _run_membership(self, what: str, op: MembershipOp) -> None:
        app: Any = self
        if app._allowed(what):
            app.run_worker(self._membership_worker(what, op), name=what, group="action", exclusive=True,
                           exit_on_error=False)

    async def _membership_worker(self, what: str, op: MembershipOp) -> None:
        # a failure (MembershipError, the hub's refusal, the guard's WriteRefused) is said by
        # the app's worker handler, titled `<what> failed`
        app: Any = self
        assert self._hub_client is not None
        async with self._hub_client() as client:
            message = await op(client)
        app.notify(message, title=what)
        if app.store is not None:
            # the HUB column comes from the sync's discovery, on its own thread (or process):
            # ask it to look at the hub now rather than at its next interval. A hint in the
            # cache like `sync.focus`, not a cluster write. Wall time, not the app's clock (a
            # test's may stand still): each action must change the value.
            app.store.writer.set_meta(REDISCOVER_META, repr(time.time()))
        screen = app.screen
        if isinstance(screen, RegistrationScreen):
            screen.action_reload()
        app._request_refresh()

    def action_registration(self) -> None:
        app: Any = self
        if self._hub_client is None:
            app.notify("no hub: start fleettui with --hub CONTEXT (or a hub in the fleet file)",
                       title="registration", severity="warning")
            return
        hub_client = self._hub_client

        async def load() -> RegistrationView:
            async with hub_client() as client:
                return await gather(client)

        from fleettui.tui.app import palette_for

        # replaces whatever screen is open, as a detail screen does (the palette opens it
        # from any screen, this one included)
        app._open_detail(RegistrationScreen(load, palette_for(app)))
