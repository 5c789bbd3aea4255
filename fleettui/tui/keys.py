"""Key bindings in one place, with k9s habits, and which of them act on clusters.

`ACTIONS` names every action that changes something in a cluster or the hub;
in `--read-only` and `--watch` they are hidden from the footer and help and
refused if invoked (`FleetApp.check_action`), on top of the kube layer's own
read-only guard.
"""

from __future__ import annotations

from textual.binding import Binding

PANES = (("clusters", "Clusters"), ("topology", "Topology"), ("rollouts", "Rollouts"))
# panes on fixed keys outside the 1..3 run (the services pane takes 4)
EXTRA_PANES = (("5", "dr", "DR"),)

APP_BINDINGS = [
    Binding("q", "quit", "Quit"),
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("colon", "palette", "Jump", key_display=":"),
    Binding("slash", "filter", "Filter", key_display="/"),
    Binding("tab", "next_pane", "Pane", priority=True),
    Binding("shift+tab", "previous_pane", "Previous pane", show=False, priority=True),
    Binding("escape", "back", "Back", show=False),
    Binding("T", "themes", "Theme", key_display="T"),
    Binding("ctrl+r", "refresh_now", "Refresh", show=False),
    *[Binding(str(i), f"show_pane('{pane}')", title, show=False)
      for i, (pane, title) in enumerate(PANES, start=1)],
    *[Binding(key, f"show_pane('{pane}')", title, show=False) for key, pane, title in EXTRA_PANES],
]

# actions that write to a cluster or the hub (the rollouts pane defines them)
ACTIONS = frozenset({
    "distribute", "distribute_selection", "resume_step", "resume_all", "suspend", "rollback", "delete_app",
})

def key_display(key: str) -> str:
    """A binding's key as the help shows it: "ctrl+d" -> "Ctrl+D", "R" stays "R"."""
    *mods, last = key.split("+")
    return "+".join([m.capitalize() for m in mods] + [last.upper() if mods else last])


# (section, [(keys, what it does, is a write action)]) for the help screen
HELP = [
    ("Anywhere", [
        ("1 2 3", "jump to the Clusters, Topology, Rollouts pane", False),
        ("Tab / Shift+Tab", "next / previous pane", False),
        (":", "command palette: jump to a pane, cluster, namespace or theme", False),
        ("/", "filter the current pane (Esc clears)", False),
        ("Esc", "back: clear the filter, close a screen", False),
        ("T", "switch theme", False),
        ("Ctrl+R", "re-read the cache now", False),
        ("?", "this help", False),
        ("q", "quit", False),
    ]),
    ("Clusters", [
        ("Enter", "open the cluster: nodes, namespaces, unhealthy workloads, events", False),
        ("s", "cycle the sort column", False),
        ("N H C M A R", "sort by name, health, CPU, memory, last seen, region (again: reverse)", False),
    ]),
    ("Topology", [
        ("Enter / Space", "expand or collapse", False),
        ("Shift+E", "expand everything with a problem", False),
    ]),
    ("DR", [
        ("5", "what breaks if a cluster, zone or region fails; resilience score", False),
        ("Up / Down", "pick the failure domain; its impact shows beside it", False),
    ]),
    ("Rollouts", [
        ("Enter", "open the application: steps, placement diff, resources, events, history", False),
        ("d", "distribute an Application from a file", True),
        ("D", "distribute from a selection: resources of a namespace to clusters by name or label", True),
        ("r / R", "resume the waiting step / resume all", True),
        ("S", "suspend the workflow", True),
        ("B", "roll back to the previous revision", True),
        ("ctrl+d", "delete the application", True),
    ]),
]
