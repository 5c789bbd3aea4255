"""One registry of the dashboard's panes and the detail screen each opens (k9s' view registry).

The digit keys, the tab line, the help screen, the `:` palette and the list of
write actions hidden and refused in read-only and watch mode are all read from
here, so adding a pane is one `PaneSpec` (and its module).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.tui.actions import ActionSpec, key_display
from fleettui.tui.panes.alerts import AlertsPane
from fleettui.tui.panes.base import Pane
from fleettui.tui.panes.clusters import ClustersPane
from fleettui.tui.panes.dr import DRPane
from fleettui.tui.panes.metrics import MetricsPane
from fleettui.tui.panes.rollouts import RolloutsPane
from fleettui.tui.panes.services import ServicesPane
from fleettui.tui.panes.topology import TopologyPane
from fleettui.tui.screens.alert import AlertScreen
from fleettui.tui.screens.application import AppScreen
from fleettui.tui.screens.cluster import ClusterScreen
from fleettui.tui.screens.detail import DetailScreen
from fleettui.tui.screens.service import ServiceScreen

# (keys, what they do, is a write action) for the help screen
HelpRow = tuple[str, str, bool]


@dataclass(frozen=True)
class PaneSpec:
    id: str
    title: str
    key: str  # the digit that shows it
    pane: type[Pane]
    detail: Callable[[Any], DetailScreen] | None = None  # Enter on a row: the item the pane posts
    help: tuple[HelpRow, ...] = ()  # its keys that are not actions (navigation, sort)

    @property
    def actions(self) -> tuple[ActionSpec, ...]:
        return self.pane.ACTIONS

    def help_rows(self) -> list[HelpRow]:
        return [*self.help, *((key_display(a.key), a.help, a.write) for a in self.actions)]


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("clusters", "Clusters", "1", ClustersPane, detail=ClusterScreen, help=(
        ("Enter", "open the cluster: nodes, namespaces, unhealthy workloads, events", False),
        ("s", "cycle the sort column", False),
        ("N H C M A R", "sort by name, health, CPU, memory, last seen, region (again: reverse)", False),
    )),
    PaneSpec("topology", "Topology", "2", TopologyPane, help=(
        ("Enter / Space", "expand or collapse", False),
        ("Shift+E", "expand everything with a problem", False),
    )),
    PaneSpec("rollouts", "Rollouts", "3", RolloutsPane, detail=AppScreen, help=(
        ("Enter", "open the application: steps, placement diff, resources, events, history", False),
        ("[ ]", "the matrix's previous / next page of clusters (a fleet of more than 40)", False),
    )),
    PaneSpec("services", "Services", "4", ServicesPane, detail=ServiceScreen, help=(
        ("Enter", "open the service: each cluster's export conditions, Service, endpoints", False),
    )),
    PaneSpec("dr", "DR", "5", DRPane, help=(
        ("Up / Down", "pick the failure domain (cluster, zone, region); its impact shows beside it", False),
    )),
    PaneSpec("metrics", "Metrics", "6", MetricsPane, help=(
        ("Up / Down", "pick a row: its usage over the range is plotted below", False),
        ("Esc", "close the PromQL prompt (its text is kept)", False),
    )),
    PaneSpec("alerts", "Alerts", "7", AlertsPane, detail=AlertScreen, help=(
        ("Enter", "open the alert: labels, annotations, its rule and its expression over the last hour", False),
        ("/", "filter: @cluster=edge-*, @state=firing, severity=critical, label=~re, label!~re (comma-joined)",
         False),
    )),
)


def spec_for(specs: Sequence[PaneSpec], pane_id: str) -> PaneSpec | None:
    return next((s for s in specs if s.id == pane_id), None)


def write_actions(specs: Sequence[PaneSpec]) -> frozenset[str]:
    """Every action of these panes that writes to a cluster or a hub."""
    return frozenset(a.name for s in specs for a in s.actions if a.write)


def help_sections(specs: Sequence[PaneSpec]) -> list[tuple[str, list[HelpRow]]]:
    anywhere: list[HelpRow] = [
        (" ".join(s.key for s in specs), f"jump to the {', '.join(s.title for s in specs)} pane", False),
        ("Tab / Shift+Tab", "next / previous pane (on a detail screen: its tabs)", False),
        (":", "command palette: jump to a pane, cluster, namespace or theme", False),
        ("/", "filter the current pane (Esc clears)", False),
        ("Esc", "back: clear the filter, close a screen", False),
        ("T", "switch theme", False),
        ("Ctrl+R", "re-read the cache now", False),
        ("?", "this help", False),
        ("q", "quit", False),
    ]
    return [("Anywhere", anywhere), *((s.title, s.help_rows()) for s in specs)]
