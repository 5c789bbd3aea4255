"""The `:` command palette: jump to a pane, a cluster or a namespace, or switch theme.

The providers read what the last refresh already put on screen
(`FleetApp.directory`), never the store or the network, so the palette opens
instantly.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from fleettui.tui.app import FleetApp


def _entries(app: FleetApp) -> list[tuple[str, str, object]]:
    """(text to match, help, callback) for every jump target."""
    out: list[tuple[str, str, object]] = []
    for spec in app.pane_specs:
        out.append((f"{spec.title} pane", f"key {spec.key}", partial(app.action_show_pane, spec.id)))
    for name in app.directory.clusters:
        out.append((f"cluster {name}", "open the cluster", partial(app.open_cluster, name)))
    for cluster, ns in app.directory.namespaces:
        out.append((f"namespace {ns} @ {cluster}", "show it in the topology",
                    partial(app.jump_to_namespace, cluster, ns)))
    return out


class JumpCommands(Provider):
    async def startup(self) -> None:
        # namespaces are read when the palette opens, not on every refresh
        app = self.app
        store = getattr(app, "store", None)
        if store is not None:
            app.directory.namespaces = [(n.cluster, n.name) for n in await store.namespaces()]  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for text, help_text, callback in _entries(self.app)[:40]:  # type: ignore[arg-type]
            yield DiscoveryHit(text, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, callback in _entries(self.app):  # type: ignore[arg-type]
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)  # type: ignore[arg-type]


class ThemeCommands(Provider):
    def _themes(self) -> list[str]:
        return list(self.app.fleet_themes)  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for name in self._themes():
            yield DiscoveryHit(f"theme {name}", partial(self.app.set_fleet_theme, name),  # type: ignore[attr-defined]
                               help="switch theme")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name in self._themes():
            text = f"theme {name}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text),
                          partial(self.app.set_fleet_theme, name), help="switch theme")  # type: ignore[attr-defined]
