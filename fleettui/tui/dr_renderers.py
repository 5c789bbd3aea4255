"""The DR pane's text: a what-if and the score table as Rich renderables (pure,
the palette passed in). Every mark is a symbol and a word, for NO_COLOR."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from fleettui.dr.report import active_text, mark
from fleettui.dr.score import FleetScore
from fleettui.dr.whatif import WhatIf
from fleettui.tui.renderers import Palette


def _mark(ok: bool, palette: Palette) -> Text:
    return Text(mark(ok), style=palette.healthy if ok else palette.unhealthy)


def whatif_text(w: WhatIf, palette: Palette) -> Text:
    t = Text()
    t.append(f"If {w.domain} fails", style="bold")
    t.append(f" — down: {', '.join(w.clusters_down) or 'no whole cluster'}")
    if w.nodes_down:
        t.append(f"; {w.nodes_down} nodes in clusters that survive")
    t.append("\n")
    for a in w.apps:
        t.append_text(_mark(a.survives, palette))
        t.append(f" {a.key}{' (tier-1)' if a.tier1 else ''}: {a.reason}\n")
        if a.lost:
            where = ", ".join(f"{c} {n}" for c, n in a.remaining.items()) or "nowhere"
            t.append(f"    left on {where}", style=palette.muted)
            room = ", ".join(f"{c} {n}" for c, n in a.rescheduled.items())
            if room:
                t.append(f"; room for {sum(a.rescheduled.values())} on {room}", style=palette.muted)
            if a.nowhere:
                t.append(f"; {a.nowhere} fit nowhere", style=palette.unhealthy)
            t.append("\n")
    if w.services:
        t.append("Services\n", style="bold")
        for s in w.services:
            style = palette.unhealthy if s.after == 0 else palette.degraded
            t.append(f"  {s.namespace}/{s.service}: {s.before} → {s.after} endpoints ({s.verdict})\n", style=style)
    if w.alerting:
        t.append("Alerting\n", style="bold")
        for al in w.alerting:
            t.append(f"  {al.cluster}: {al.message}\n", style=palette.degraded)
    for before, after in zip(w.traffic_before, w.traffic_after, strict=True):
        t.append(f"Traffic {before.domain}: ", style="bold")
        t.append(f"now {active_text(before)} → after ")
        t.append(active_text(after), style=palette.healthy if after.serving else palette.unhealthy)
        t.append("\n")
    return t


def score_table(s: FleetScore, palette: Palette) -> Table:
    table = Table(title=s.summary, title_justify="left", box=None, pad_edge=False, expand=False)
    table.add_column("APPLICATION")
    for kind in s.kinds:
        table.add_column(f"ANY {kind.upper()}")
    for a in s.apps:
        table.add_row(Text(a.key + (" ★" if a.tier1 else "")), *(_mark(a.cell(k).survives, palette) for k in s.kinds))
    return table
