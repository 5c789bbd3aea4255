"""Pure renderers for the header (the fleet in numbers) and the status bar (where the
data comes from), fitted to the terminal's width.

Both lines are one row of an 80-column terminal, and what they must say does not
fit there in full words. So each is built in steps of decreasing verbosity and the
first that fits is shown: words are shortened and the least useful parts dropped,
but no figure, and never the word that says what a figure counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from fleettui.store.models import FleetSummary
from fleettui.tui.renderers import Palette, fmt_age

# -- header -------------------------------------------------------------------

# The phrasings of the header, most verbose first; each step applies on top of the
# ones before it. The pods figures stay even at zero so the line does not jump about.
_SUMMARY_STEPS: tuple[dict[str, str], ...] = (
    {"brand": "fleettui  ", "healthy": "healthy", "unreachable": "unreachable",
     "unhealthy": "unhealthy", "pending": "pending", "failed": "failed", "sep": "  "},
    {"brand": ""},
    {"pending": "pend", "failed": "fail", "unreachable": "unreach"},
    {"healthy": "ok"},
    {"unhealthy": "bad"},
    {"sep": " "},
)


def _summary_line(s: FleetSummary, palette: Palette, words: dict[str, str]) -> list[Text]:
    """The header's groups (clusters, nodes, workloads, pods) in the given words."""
    bad_clusters = s.clusters_total - s.clusters_healthy
    clusters = Text.assemble(
        "clusters ",
        (f"{s.clusters_healthy}/{s.clusters_total}", palette.degraded if bad_clusters else palette.healthy),
        f" {words['healthy']}")
    if s.clusters_unreachable:
        clusters.append(f" ({s.clusters_unreachable} {words['unreachable']})", style=palette.unhealthy)
    nodes = Text.assemble(
        "nodes ",
        (f"{s.nodes_ready}/{s.nodes_total}", palette.degraded if s.nodes_ready < s.nodes_total else ""))
    workloads = Text.assemble(
        "workloads ",
        (f"{s.workloads_unhealthy}/{s.workloads_total} {words['unhealthy']}",
         palette.unhealthy if s.workloads_unhealthy else palette.healthy))
    pods = Text.assemble(
        "pods ",
        (f"{s.pods_pending}", palette.degraded if s.pods_pending else ""), f" {words['pending']} ",
        (f"{s.pods_failed}", palette.unhealthy if s.pods_failed else ""), f" {words['failed']}")
    return [clusters, nodes, workloads, pods]


def _wrap(groups: list[Text], sep: str, width: int) -> list[Text]:
    """Whole groups onto as few lines of `width` as they go, never breaking one."""
    lines: list[Text] = [Text()]
    for group in groups:
        if lines[-1].cell_len and lines[-1].cell_len + len(sep) + group.cell_len > width:
            lines.append(Text())
        if lines[-1].cell_len:
            lines[-1].append(sep)
        lines[-1].append_text(group)
    return lines


def summary_text(s: FleetSummary, palette: Palette, *, width: int | None = None) -> Text:
    """The fleet in one line: clusters healthy/total (unreachable), nodes ready/total,
    workloads unhealthy/total, pods pending and failed. `width` (None: unlimited) picks
    the most verbose phrasing that fits; when even the tersest does not fit one line,
    the groups wrap onto a second (in the most verbose words that fit two) rather than
    lose a figure or its word."""
    steps: list[dict[str, str]] = []
    for step in _SUMMARY_STEPS:
        steps.append({**(steps[-1] if steps else {}), **step})
    for words in steps:
        out = Text(words["brand"], style="bold")
        out.append_text(Text(words["sep"]).join(_summary_line(s, palette, words)))
        if width is None or out.cell_len <= width:
            return out
    assert width is not None
    for words in steps[1:]:
        lines = _wrap(_summary_line(s, palette, words), words["sep"], width)
        if len(lines) <= 2:
            break
    return Text("\n").join(lines)


# -- status bar ---------------------------------------------------------------

@dataclass(frozen=True)
class StatusInfo:
    kubeconfig: str | None
    hub: str | None
    read_only: bool
    watch: bool
    last_sync: float | None
    recovered_from: str | None = None
    sync_error: str | None = None
    syncing: bool = False
    # the cache file was deleted, replaced or truncated under us (store.file_problem)
    cache_problem: str | None = None
    refused: str | None = None  # a write action just refused by the mode, said for a few seconds
    via_gateway: int = 0  # members reached through the hub's Cluster Gateway


def shorten_path(path: str, width: int) -> str:
    """`path` in at most `width` cells, keeping its file name (the part a user types
    next) and as much of its directory as fits, cut in the middle with `…`."""
    if len(path) <= width:
        return path
    head, sep, name = path.rpartition("/")
    if not sep or len(name) + 2 > width:
        return "…" + path[-(width - 1):] if width > 1 else "…"
    keep = width - len(name) - 2  # "…" and the "/" before the name
    return f"{head[:keep]}…/{name}"


def status_text(info: StatusInfo, now: float, palette: Palette, *, width: int | None = None) -> Text:
    """Mode, what the user must know about the cache, the sync, then hub and
    kubeconfig. What is urgent comes first; in a narrow terminal kubeconfig and hub are
    dropped before it, and the moved-aside cache's path is shortened in the middle
    (its file name kept) rather than cut off at the end."""
    badge = Text()
    if info.watch:
        badge.append(" WATCH ", style="reverse")
        badge.append(" ")
    elif info.read_only:
        badge.append(" READ-ONLY ", style="reverse")
        badge.append(" ")
    if info.cache_problem:
        # first: it explains every number on the screen, so no narrow terminal may cut it
        badge.append(f"{info.cache_problem}  ", style=palette.unhealthy)
    if info.refused:
        # first after the badge: at 80 columns the rest of the line may be cut
        badge.append(f"{info.refused}  ", style=palette.stale)
    if info.last_sync is None:
        sync = Text("sync never" if not info.syncing else "syncing…")
    else:
        sync = Text(f"synced {fmt_age(max(0.0, now - info.last_sync))} ago")
    if info.sync_error:
        sync.append(f"  sync: {info.sync_error}", style=palette.unhealthy)
    # in the order they give way: a long kubeconfig path first
    hub = f"hub {info.hub or '-'}" + (f" ({info.via_gateway} via gateway)" if info.via_gateway else "")
    where = [Text(hub, style=palette.muted),
             Text(f"kubeconfig {info.kubeconfig or '-'}", style=palette.muted)]

    def line(cache: Text | None, where: list[Text]) -> Text:
        parts = [p for p in (cache, sync, *where) if p is not None]
        return Text.assemble(badge, Text("  ").join(parts))

    if not info.recovered_from:
        for n in (2, 1, 0):
            out = line(None, where[:n])
            if width is None or out.cell_len <= width:
                return out
        return out
    for n in (2, 1, 0):
        out = line(Text(f"cache was corrupt, moved to {info.recovered_from}", style=palette.stale),
                   where[:n])
        if width is None or out.cell_len <= width:
            return out
    # too narrow for the whole path: shorten its directory, then the words around it,
    # then leave out the sync age, before the file name itself is cut
    name = info.recovered_from.rpartition("/")[2]
    for prefix, with_sync in (("corrupt cache moved to ", True), ("cache moved to ", True),
                              ("cache moved to ", False)):
        room = width - line(Text(prefix), []).cell_len
        if not with_sync:
            room = width - badge.cell_len - len(prefix)
        path = shorten_path(info.recovered_from, max(room, 12))
        cache = Text(prefix + path, style=palette.stale)
        out = line(cache, []) if with_sync else Text.assemble(badge, cache)
        if path.endswith("/" + name) or path == name:
            return out
    return out
