"""Pure renderers for the consistency matrix: rule set × cluster cells (`alerts.consistency`)
→ table rows, and one cell's expected rule, live rule and difference."""

from __future__ import annotations

from typing import Any

import yaml
from rich.table import Table
from rich.text import Text

from fleettui.alerts import consistency as cs
from fleettui.tui.renderers import Palette

# marker + word for every state, so NO_COLOR and monochrome still read
_CELL = {cs.IN_SYNC: ("●", "healthy"), cs.NOT_PLACED: ("·", "unknown"), cs.DROPPED: ("▲", "degraded"),
         cs.PIPELINE_BROKEN: ("✖", "unhealthy"), cs.LOAD_ERRORS: ("✖", "unhealthy"),
         cs.NOT_LOADED: ("▲", "degraded"), cs.UNREACHABLE: ("?", "unknown"), cs.DRIFTED: ("▲", "degraded"),
         cs.REJECTED: ("✖", "unhealthy"), cs.MISSING: ("✖", "unhealthy"), cs.UNKNOWN: ("?", "unknown")}


def cell_text(cell: cs.Cell | None, palette: Palette) -> Text:
    if cell is None:
        return Text("-", style=palette.muted)
    marker, health = _CELL.get(cell.state, ("?", "unknown"))
    return Text(f"{marker} {cell.state}", style=palette.health(health))


def matrix_rows(m: cs.Matrix, palette: Palette) -> list[tuple[str, tuple[Text, ...]]]:
    return [(rs, (Text(rs, style="bold"), *(cell_text(c, palette) for c in m.row(rs)))) for rs in m.rulesets]


def matrix_summary(m: cs.Matrix) -> str:
    counts: dict[str, int] = {}
    for c in m.cells.values():
        counts[c.state] = counts.get(c.state, 0) + 1
    order = [s for s in cs.PRECEDENCE if s in counts]
    return (f"{len(m.rulesets)} rule sets × {len(m.clusters)} clusters: "
            + ", ".join(f"{counts[s]} {s}" for s in order))


def _yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False).rstrip()


def cell_detail(cell: cs.Cell, palette: Palette) -> Text:
    out = Text.assemble((f"{cell.ruleset} on {cell.cluster}  ", "bold"), cell_text(cell, palette),
                        f"  variant {cell.variant}\n")
    for state, message in cell.problems:
        out.append(f"  {state}: {message}\n", style=palette.unhealthy if state != cs.IN_SYNC else "")
    if cell.diff:
        out.append("\nDifference (path: live → variant)\n", style="bold")
        for path, live, want in cell.diff:
            out.append(f"  {path}: {live!r} → {want!r}\n", style=palette.degraded)
    out.append("\nVariant (what this cluster should run)\n", style="bold")
    out.append((_yaml(cell.expected) if cell.expected is not None else "(not placed here)") + "\n")
    out.append("\nLive (the cluster's PrometheusRule)\n", style="bold")
    out.append((_yaml(cell.live) if cell.live is not None else "(absent)") + "\n")
    return out


def _window(seconds: float | None) -> str:
    if seconds is None:
        return "as far back as each Prometheus has data (up to 24h)"
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"


def live_plan_table(plan: Any, palette: Palette, *, narrow: bool = False) -> Table:
    """Step 3 of a save: clusters × variant, would-fire count and when (over the backtest
    window), firing now, what changes against what the cluster holds. A cluster whose
    Prometheus did not answer is `? unknown` (why: `live_unknown_text`), the others as
    measured. Narrow (80 columns): no rule count and no history."""
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False,
                  title=f"{plan.ruleset.name}  backtest: {_window(plan.window)}", title_justify="left")
    columns = ["CLUSTER", "VARIANT", "RULES", "WOULD FIRE", "HISTORY", "NOW", "CHANGE"]
    if narrow:
        columns = [c for c in columns if c not in ("RULES", "HISTORY")]
    for col in columns:
        table.add_column(col, no_wrap=col != "CHANGE")
    for r in plan.rows:
        if r.unknown:
            cells = {"WOULD FIRE": Text("? unknown", style=palette.stale), "HISTORY": "", "NOW": "-"}
        else:
            now = Text(f"▲ {r.firing_now} firing", style=palette.degraded) if r.firing_now \
                else Text("● none", style=palette.healthy)
            cells = {"WOULD FIRE": str(r.would_fire), "HISTORY": r.sparkline, "NOW": now}
        cells |= {"CLUSTER": r.cluster, "VARIANT": r.variant, "RULES": str(r.rules), "CHANGE": r.change}
        table.add_row(*(cells[c] for c in columns))
    return table


def live_unknown_text(plan: Any, palette: Palette) -> Text:
    out = Text()
    for r in plan.rows:
        if r.unknown:
            out.append(f"{r.cluster}: unknown: {r.unknown}\n", style=palette.stale)
    return out


def live_findings_text(plan: Any, palette: Palette) -> Text:
    out = Text()
    for f in plan.findings:
        out.append(f"{plan.ruleset.name}: {f}\n", style=palette.unhealthy if f.level == "error" else palette.stale)
    return out
