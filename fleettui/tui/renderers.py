"""Pure renderers: a store value in, the cells or label the screen shows out.

Nothing here touches a widget or the clock: `now` and the `Palette` are passed
in, so each function has a fixture test and the panes only diff their output.
Health is always a marker plus a word, never colour alone (NO_COLOR, monochrome).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from fleettui.engine.selectors import selector_or_none
from fleettui.store.metrics import MetricSource, UsageRow
from fleettui.store.models import (
    ClusterRow,
    EventRow,
    NamespaceRow,
    NodeRow,
    TopologyNode,
    WorkloadRow,
)
from fleettui.store.rollup_health import (
    DEGRADED,
    HEALTHY,
    PROGRESSING,
    UNHEALTHY,
    UNKNOWN,
    severity,
)

MARKERS = {HEALTHY: "●", PROGRESSING: "◐", DEGRADED: "▲", UNHEALTHY: "✖", UNKNOWN: "?"}


@dataclass(frozen=True)
class Palette:
    """Rich styles for health words, taken from the current theme's colours."""

    healthy: str = "green"
    progressing: str = "yellow"
    degraded: str = "yellow"
    unhealthy: str = "bold red"
    unknown: str = "dim"
    muted: str = "dim"
    stale: str = "yellow"

    def health(self, word: str | None) -> str:
        return getattr(self, word or UNKNOWN, self.unknown) if word in MARKERS else self.unknown


PLAIN = Palette(healthy="", progressing="", degraded="", unhealthy="bold", unknown="",
                muted="", stale="")


def fmt_age(seconds: float | None) -> str:
    """kubectl's age style: 42s, 7m, 3h, 5d (None: never)."""
    if seconds is None:
        return "never"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 3600 * 2:
        return f"{s // 60}m"
    if s < 86400 * 2:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def fmt_cpu(millicores: int) -> str:
    if millicores >= 10_000:
        return f"{millicores / 1000:.0f}c"
    return f"{millicores / 1000:.1f}c".replace(".0c", "c")


def fmt_mem(num_bytes: int) -> str:
    for unit, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20)):
        if num_bytes >= size:
            value = num_bytes / size
            return f"{value:.0f}{unit}" if value >= 10 else f"{value:.1f}{unit}"
    return f"{num_bytes}B" if num_bytes else "0"


def fmt_pct(pct: float | None) -> str:
    return "-" if pct is None else f"{pct:.0f}%"


def health_text(word: str | None, palette: Palette) -> Text:
    word = word if word in MARKERS else UNKNOWN
    return Text(f"{MARKERS[word]} {word}", style=palette.health(word))


def _usage(alloc: str, pct: float | None, palette: Palette) -> Text:
    style = ""
    if pct is not None and pct >= 90:
        style = palette.unhealthy
    elif pct is not None and pct >= 75:
        style = palette.degraded
    return Text.assemble(f"{alloc} ", (fmt_pct(pct), style))


# -- clusters pane ------------------------------------------------------------

# (column key, header); health sits next to the name so it is visible at 80 columns
CLUSTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "NAME"),
    ("health", "HEALTH"),
    ("nodes", "NODES"),
    ("cpu", "CPU REQ"),
    ("cpu_use", "CPU USED"),
    ("mem", "MEM REQ"),
    ("mem_use", "MEM USED"),
    ("pods", "PODS"),
    ("seen", "LAST SEEN"),
    ("version", "VERSION"),
    ("provider", "PROVIDER"),
    ("where", "REGION/ZONE"),
    ("hub", "HUB"),
)


# Which columns give way first in a narrow terminal (k9s drops columns too): NAME,
# HEALTH and the figures stay; the descriptive columns go, then the figures from the
# right. HUB (shown only when a hub manages clusters) goes after the descriptions: it
# is where a membership action's result shows. The table keeps `CLUSTER_COLUMNS` order whatever is dropped.
CLUSTER_COLUMN_PRIORITY = ("name", "health", "nodes", "cpu", "cpu_use", "mem", "mem_use", "pods", "seen",
                           "hub", "where", "provider", "version")

# DataTable pads each cell by one column on either side
CELL_PADDING = 2


def fit_columns(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Text]], width: int,
                priority: Sequence[str], *, keep: int = 2) -> tuple[str, ...]:
    """The keys of the columns to show in `width` cells: the widest cell of each column
    (header included) is measured, and columns are dropped from the end of `priority`
    until the rest fit. The first `keep` of `priority` are never dropped (a table that
    is still too wide scrolls). A width of 0 or less (not laid out yet) keeps all."""
    return fit_widths(columns, (cell_widths(cells) for cells in rows), width, priority, keep=keep)


def cell_widths(cells: Sequence[Text]) -> tuple[int, ...]:
    """Terminal cells each one-line cell takes."""
    return tuple(cell.cell_len for cell in cells)


def fit_widths(columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[int]], width: int,
               priority: Sequence[str], *, keep: int = 2) -> tuple[str, ...]:
    """`fit_columns` for rows already measured (`cell_widths` of each row's cells)."""
    keys = [key for key, _ in columns]
    need = [len(label) + CELL_PADDING for _, label in columns]
    measured = list(rows)
    if measured:  # column by column: a thousand rows' widths are one max() each
        need = [max(n, max(col) + CELL_PADDING) for n, col in zip(need, zip(*measured, strict=True), strict=True)]
    need_of = dict(zip(keys, need, strict=True))
    shown = set(keys)
    if width > 0:
        for key in reversed(priority[keep:]):
            if sum(need_of[k] for k in shown) <= width:
                break
            shown.discard(key)
    return tuple(k for k in keys if k in shown)


def last_seen_text(row: ClusterRow, now: float, palette: Palette) -> Text:
    """Age since the cluster last answered; a stale row says so, with its age."""
    age = fmt_age(row.age(now))
    if row.reachable is None:
        return Text("pending" if row.last_seen is None else f"cached {age}", style=palette.muted)
    if row.reachable is False:
        return Text(f"stale {age}" if row.last_seen is not None else "unreachable",
                    style=palette.stale)
    if is_outdated(row, now):
        # it answered last time, but nothing has refreshed it since (a cluster outside
        # this session's --context, or a sync that stopped): old news, said so
        return Text(f"stale {age}", style=palette.stale)
    return Text(age)


# The sync probes every 15 s; a row older than four probes is not being kept current.
OUTDATED_AFTER = 60.0


def is_outdated(row: ClusterRow, now: float) -> bool:
    age = row.age(now)
    return row.reachable is True and age is not None and age > OUTDATED_AFTER


# OCM registration states (sync.discovery) as the HUB column words them
_HUB_WORDS = {"available": "joined", "pending acceptance": "pending", "not joined": "not joined",
              "unavailable": "unavailable", "unknown": "lease unknown", "denied": "denied"}


def hub_text(hub: Mapping[str, Any], palette: Palette) -> Text:
    """A cluster's OCM registration in a few words: state (a word, not only a colour),
    clusterset, taints, CSRs waiting; `-` when the hub does not manage it."""
    if not hub:
        return Text("-", style=palette.muted)
    state = str(hub.get("state") or "unknown")
    style = {"available": "", "pending acceptance": palette.degraded, "denied": palette.unhealthy,
             "unavailable": palette.unhealthy}.get(state, palette.degraded)
    out = Text(_HUB_WORDS.get(state, state), style=style)
    pending = int(hub.get("pending_csrs") or 0)
    if pending:
        out.append(f" {pending} csr", style=palette.degraded)
    if hub.get("clusterset"):
        out.append(f" set:{hub['clusterset']}", style=palette.muted)
    taints = hub.get("taints") or []
    if taints:
        out.append(f" {len(taints)} taint{'s' if len(taints) > 1 else ''}", style=palette.degraded)
    return out


def cluster_cells(row: ClusterRow, now: float, palette: Palette, *, usage: UsageRow | None = None,
                  source: MetricSource | None = None) -> tuple[Text, ...]:
    """One clusters-pane row, in `CLUSTER_COLUMNS` order; `usage` is the metrics cache's
    row for the cluster (None: nothing pulled yet), `source` how its last pull went."""
    from fleettui.tui.metrics_renderers import usage_cell  # it builds on this module
    nodes_style = palette.degraded if row.nodes_ready < row.nodes_total else ""
    pods = str(row.pods_running)
    if row.pods_pending:
        pods += f" {row.pods_pending}p"
    if row.pods_failed:
        pods += f" {row.pods_failed}f"
    where = "/".join(p for p in (row.region, row.zone) if p) or "-"
    name_style = palette.stale if row.reachable is False or is_outdated(row, now) else ""
    name = Text(row.name, style=name_style)
    if row.access == "gateway":
        # a word, not a colour: the path matters when the row is stale (hub or member?)
        name.append(" via hub", style=palette.muted)
    return (
        name,
        health_text(row.health, palette),
        Text(f"{row.nodes_ready}/{row.nodes_total}", style=nodes_style),
        _usage(fmt_cpu(row.cpu_alloc_m), row.cpu_req_pct, palette),
        usage_cell(usage, source, "cpu", now, palette, spark=4),
        _usage(fmt_mem(row.mem_alloc_b), row.mem_req_pct, palette),
        usage_cell(usage, source, "mem", now, palette, spark=4),
        Text(pods, style=palette.degraded if row.pods_failed else ""),
        last_seen_text(row, now, palette),
        Text(row.version or "-"),
        Text(row.provider or "-"),
        Text(where),
        hub_text(row.hub, palette),
    )


def _seen_rank(row: ClusterRow, now: float) -> float:
    age = row.age(now)
    return float("inf") if age is None else age


# sort keys for the clusters pane: binding letter -> (label, key function)
CLUSTER_SORTS = {
    "name": lambda r, now: r.name,
    "health": lambda r, now: (-severity(r.health), r.name),
    "cpu": lambda r, now: (-(r.cpu_req_pct or 0.0), r.name),
    "mem": lambda r, now: (-(r.mem_req_pct or 0.0), r.name),
    "seen": lambda r, now: (-_seen_rank(r, now), r.name),
    "region": lambda r, now: (r.region or "~", r.zone or "~", r.name),
}


def cluster_matches(row: ClusterRow, needle: str) -> bool:
    """The `/` filter: a label selector as a topology policy takes it (`env=prod,tier in
    (web)`, the engine's parser and matching), else a case-insensitive substring of any
    word a user would type."""
    if not needle:
        return True
    selector = selector_or_none(needle)
    if selector is not None:
        return selector.matches(row.labels)
    needle = needle.lower()
    hay = [row.name, row.provider, row.region, row.zone, row.version, row.health,
           "stale" if row.reachable is False else None, row.access, row.hub.get("state"),
           *(f"{k}={v}" for k, v in row.labels.items())]
    return any(needle in h.lower() for h in hay if h)


# -- pane tabs ------------------------------------------------------------------

def pane_tabs(panes: list[tuple[str, str, str]], current: str) -> Text:
    """`1 Clusters  2 Topology`: the panes (key, id, title) and their digit keys, the current one marked."""
    out = Text()
    for key, pane_id, title in panes:
        out.append(f" {key} {title} ", style="reverse bold" if pane_id == current else "")
    return out


# -- cluster screen -----------------------------------------------------------

NODE_COLUMNS = (("name", "NAME"), ("status", "STATUS"), ("roles", "ROLES"), ("cpu", "CPU REQ"),
                ("mem", "MEM REQ"), ("pods", "PODS"), ("version", "VERSION"), ("zone", "ZONE"))


def node_cells(n: NodeRow, palette: Palette) -> tuple[Text, ...]:
    status = "Ready" if n.ready else "NotReady"
    if n.unschedulable:
        status += ",SchedulingDisabled"
    cpu_pct = 100.0 * n.cpu_req_m / n.cpu_alloc_m if n.cpu_alloc_m else None
    mem_pct = 100.0 * n.mem_req_b / n.mem_alloc_b if n.mem_alloc_b else None
    return (
        Text(n.name),
        Text(status, style=palette.health(n.health)),
        Text(",".join(n.roles) or "<none>"),
        _usage(fmt_cpu(n.cpu_alloc_m), cpu_pct, palette),
        _usage(fmt_mem(n.mem_alloc_b), mem_pct, palette),
        Text(str(n.pods)),
        Text(n.version or "-"),
        Text(n.zone or "-"),
    )


NAMESPACE_COLUMNS = (("name", "NAMESPACE"), ("health", "HEALTH"), ("phase", "PHASE"),
                     ("workloads", "WORKLOADS"), ("pods", "PODS"))


def namespace_cells(ns: NamespaceRow, palette: Palette) -> tuple[Text, ...]:
    wl = f"{ns.workloads_total}"
    if ns.workloads_unhealthy:
        wl += f" ({ns.workloads_unhealthy} unhealthy)"
    return (Text(ns.name), health_text(ns.health, palette), Text(ns.phase), Text(wl),
            Text(str(ns.pods)))


WORKLOAD_COLUMNS = (("ns", "NAMESPACE"), ("kind", "KIND"), ("name", "NAME"),
                    ("ready", "READY"), ("health", "HEALTH"), ("message", "MESSAGE"))


def workload_cells(w: WorkloadRow, palette: Palette) -> tuple[Text, ...]:
    return (Text(w.namespace), Text(w.kind), Text(w.name), Text(f"{w.ready}/{w.desired}"),
            health_text(w.health, palette), Text(w.message or "", style=palette.muted))


EVENT_COLUMNS = (("age", "AGE"), ("ns", "NAMESPACE"), ("object", "OBJECT"),
                 ("reason", "REASON"), ("count", "COUNT"), ("message", "MESSAGE"))


def event_cells(e: EventRow, now: float, palette: Palette) -> tuple[Text, ...]:
    return (
        Text(fmt_age(e.age(now))),
        Text(e.namespace or "-"),
        Text(f"{e.involved_kind.lower()}/{e.involved_name}" if e.involved_kind else e.involved_name),
        Text(e.reason, style=palette.degraded),
        Text(str(e.count)),
        Text(e.message),
    )


# -- topology pane ------------------------------------------------------------

_BRANCH_KINDS = {"fleet", "region", "zone", "cluster", "namespace", "nodes"}


def counts_text(counts: Mapping[str, int], palette: Palette) -> Text:
    """`12 ok, 2 degraded, 1 unhealthy`: the problems below a collapsed branch."""
    out = Text()
    parts = []
    ok = counts.get(HEALTHY, 0)
    if ok:
        parts.append((f"{ok} ok", palette.muted))
    for word in (PROGRESSING, UNKNOWN, DEGRADED, UNHEALTHY):
        if counts.get(word):
            parts.append((f"{counts[word]} {word}", palette.health(word)))
    for i, (text, style) in enumerate(parts):
        if i:
            out.append(", ", style=palette.muted)
        out.append(text, style=style)
    return out


def topology_label(node: TopologyNode, palette: Palette) -> Text:
    word = node.health if node.health in MARKERS else UNKNOWN
    out = Text.assemble((MARKERS[word], palette.health(word)), " ")
    if node.kind in ("region", "zone", "namespace"):
        out.append(f"{node.kind} ", style=palette.muted)
    out.append(node.name, style="bold" if node.kind in ("fleet", "cluster") else "")
    if node.kind in _BRANCH_KINDS:
        counts = counts_text(node.counts, palette)
        if node.detail:
            out.append(f"  {node.detail}", style=palette.muted)
        if counts.plain:
            out.append("  [")
            out.append_text(counts)
            out.append("]")
    elif node.detail:
        out.append(f"  {node.detail}", style=palette.health(word) if word != HEALTHY else palette.muted)
    return out
