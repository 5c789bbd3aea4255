"""The `:` command palette: jump to a pane, the hub's registration, a cluster or a namespace,
or switch theme.

The providers read what the last refresh already put on screen
(`FleetApp.directory`), never the store or the network, so the palette opens
instantly.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from fleettui.tui.app import FleetApp


def _fleet_app(provider: Provider) -> FleetApp:
    # a Provider's app is typed as the base App; the palette only ever opens on FleetApp
    return cast("FleetApp", provider.app)


def _entries(app: FleetApp) -> list[tuple[str, str, Callable[[], object]]]:
    """(text to match, help, callback) for every jump target."""
    out: list[tuple[str, str, Callable[[], object]]] = []
    for spec in app.pane_specs:
        out.append((f"{spec.title} pane", f"key {spec.key}", partial(app.action_show_pane, spec.id)))
    if getattr(app, "_hub_client", None) is not None:
        out.append(("hub registration", "clustersets, placements and their decisions, pending CSRs (key h on "
                    "Clusters)", app.action_registration))
    for name in app.directory.clusters:
        out.append((f"cluster {name}", "open the cluster", partial(app.open_cluster, name)))
    for cluster, ns in app.directory.namespaces:
        out.append((f"namespace {ns} @ {cluster}", "show it in the topology",
                    partial(app.jump_to_namespace, cluster, ns)))
    return out


class JumpCommands(Provider):
    async def startup(self) -> None:
        # namespaces are read when the palette opens, not on every refresh
        app = _fleet_app(self)
        store = getattr(app, "store", None)
        if store is not None:
            app.directory.namespaces = [(n.cluster, n.name) for n in await store.namespaces()]

    async def discover(self) -> Hits:
        for text, help_text, callback in _entries(_fleet_app(self))[:40]:
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in _entries(_fleet_app(self)):
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)


class ThemeCommands(Provider):
    def _themes(self) -> list[str]:
        return list(_fleet_app(self).fleet_themes)

    async def discover(self) -> Hits:
        for name in self._themes():
            yield DiscoveryHit(f"theme {name}", partial(_fleet_app(self).set_fleet_theme, name),
                               help="switch theme")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name in self._themes():
            text = f"theme {name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text),
                          partial(_fleet_app(self).set_fleet_theme, name), help="switch theme")
