"""Pure renderers for the rollouts pane and the application screen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text

from fleettui.store.apps import (
    AppClusterCell,
    AppEventRow,
    AppRow,
    PlacementRow,
    ResourceRow,
    RevisionRow,
)
from fleettui.tui.placement_renderers import (
    decision_short,
    job_cell,
    job_state,
    jobs_by_cluster,
    jobs_summary,
)
from fleettui.tui.renderers import MARKERS, Palette, fmt_age, health_text

# application phases (KubeVela status.status) → a health word for colour and marker
PHASE_HEALTH = {
    "running": "healthy",
    "runningWorkflow": "progressing",
    "rendering": "progressing",
    "workflowSuspending": "progressing",
    "workflowTerminated": "degraded",
    "workflowFailed": "unhealthy",
    "unhealthy": "unhealthy",
    "deleting": "progressing",
}

STEP_HEALTH = {"succeeded": "healthy", "skipped": "unknown", "running": "progressing",
               "pending": "unknown", "suspending": "progressing", "failed": "unhealthy"}

APP_COLUMNS = (("name", "APPLICATION"), ("phase", "PHASE"), ("workflow", "WORKFLOW"),
               ("clusters", "CLUSTERS"), ("revision", "REVISION"), ("ns", "NAMESPACE"),
               ("hub", "HUB"), ("message", "MESSAGE"))


def app_key(row: AppRow) -> str:
    return f"{row.hub}/{row.namespace}/{row.name}"


def progress_bar(done: int, total: int, width: int = 6) -> str:
    if total <= 0:
        return "-"
    filled = round(width * done / total)
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def app_message(row: AppRow) -> str:
    """The workflow's message, after the short form of where it was placed and how its Jobs do."""
    return " · ".join(x for x in (jobs_summary(row.jobs), decision_short(row.decisions), row.message or "") if x)


def app_cells(row: AppRow, palette: Palette) -> tuple[Text, ...]:
    health = "progressing" if row.deleting else PHASE_HEALTH.get(row.phase, "unknown")
    phase = "deleting" if row.deleting else (row.phase or "-")
    clusters = f"{row.clusters_healthy}/{row.clusters} healthy" if row.clusters else "-"
    if row.jobs and not row.long_running and not row.deleting:
        # only Jobs: a running Job is not an unhealthy one, so count the clusters that completed
        per = jobs_by_cluster(row.jobs)
        done = sum(1 for js in per.values() if all(job_state(j) == "Complete" for j in js))
        clusters = f"{done}/{len(per)} complete"
    return (
        Text(row.name, style="bold"),
        Text(f"{MARKERS[health]} {phase}", style=palette.health(health)),
        Text(progress_bar(row.steps_done, row.steps_total)),
        Text(clusters, style=palette.degraded if row.clusters_healthy < row.clusters else ""),
        Text(row.revision or "-"),
        Text(row.namespace),
        Text(row.hub, style=palette.muted),
        Text(app_message(row), style=palette.muted),
    )


def matrix_table(apps: Sequence[AppRow], cells: Iterable[AppClusterCell], palette: Palette,
                 now: float = 0.0) -> Table:
    """Clusters down, applications across (a fleet has more clusters than rollouts):
    each cell is the health marker and healthy/total resources of that placement — or,
    where the application runs Jobs, their state, pods done and time."""
    by = _by_cell(cells)
    return _matrix(apps, by, sorted({c[3] for c in by}), palette, now)


# A large fleet's matrix: at most this many cluster rows and application columns at once
# (a Rich table of 1,000 rows was laid out on every refresh); the clusters whose every
# placement is healthy are folded into one row, the others listed worst first, by page.
MATRIX_PAGE = 40
MATRIX_APPS = 12


@dataclass(frozen=True)
class MatrixView:
    table: Table
    caption: str  # what is paged or folded away ("" when everything is shown)
    page: int  # the page shown (clamped), of `pages`
    pages: int


def matrix_view(apps: Sequence[AppRow], cells: Iterable[AppClusterCell], palette: Palette, *,
                page: int = 0, page_size: int = MATRIX_PAGE, max_apps: int = MATRIX_APPS,
                now: float = 0.0) -> MatrixView:
    by = _by_cell(cells)
    clusters = sorted({c[3] for c in by})
    shown_apps = list(apps[:max_apps])
    more_apps = len(apps) - len(shown_apps)
    apps_note = f"{more_apps} more applications not shown (/ filters them)" if more_apps else ""
    if len(clusters) <= page_size:
        return MatrixView(_matrix(shown_apps, by, clusters, palette, now), apps_note, 0, 1)
    worst: dict[str, int] = {}
    for (_, _, _, cluster), cell in by.items():
        worst[cluster] = max(worst.get(cluster, 0), _attention(cell))
    attention = sorted((c for c in clusters if worst[c]), key=lambda c: (-worst[c], c))
    folded = [c for c in clusters if not worst[c]]
    pages = max(1, -(-len(attention) // page_size))
    page = max(0, min(page, pages - 1))
    rows = attention[page * page_size:(page + 1) * page_size]
    table = _matrix(shown_apps, by, rows, palette, now)
    if folded:
        summary: list[Text] = [Text(f"{MARKERS['healthy']} {len(folded)} more", style=palette.healthy)]
        for a in shown_apps:
            n = sum(1 for c in folded if (a.hub, a.namespace, a.name, c) in by)
            summary.append(Text(f"{MARKERS['healthy']} {n}" if n else "·",
                                style=palette.healthy if n else palette.muted))
        table.add_row(*summary)
    parts = []
    if attention:
        parts.append(f"clusters {page * page_size + 1}-{page * page_size + len(rows)} of {len(attention)} "
                     f"not all healthy, worst first" + (f" (page {page + 1}/{pages}: [ ])" if pages > 1 else ""))
    if folded:
        parts.append(f"{len(folded)} all healthy folded")
    if apps_note:
        parts.append(apps_note)
    return MatrixView(table, "; ".join(parts), page, pages)


def _attention(cell: AppClusterCell) -> int:
    """0 for a placement that is applied and healthy in full; else how bad (higher worse)."""
    if cell.placement_state == "failed":
        return 3
    if cell.health == "healthy" and cell.resources_healthy >= cell.resources and cell.placement_state != "pending":
        return 0
    return 2 if cell.health == "unhealthy" else 1


def _by_cell(cells: Iterable[AppClusterCell]) -> dict[tuple[str, str, str, str], AppClusterCell]:
    return {(c.hub, c.namespace, c.app, c.cluster): c for c in cells}


def _matrix(apps: Sequence[AppRow], by: dict[tuple[str, str, str, str], AppClusterCell],
            clusters: Sequence[str], palette: Palette, now: float = 0.0) -> Table:
    jobs = {(a.hub, a.namespace, a.name): jobs_by_cluster(a.jobs) for a in apps if a.jobs}
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("CLUSTER", no_wrap=True)
    for a in apps:
        table.add_column(a.name, no_wrap=True)
    for cluster in clusters:
        row: list[Text] = [Text(cluster)]
        for a in apps:
            cell = by.get((a.hub, a.namespace, a.name, cluster))
            if cell is None:
                row.append(Text("·", style=palette.muted))
                continue
            text = Text(f"{MARKERS.get(cell.health, '?')} {cell.resources_healthy}/{cell.resources}",
                        style=palette.health(cell.health))
            here = jobs.get((a.hub, a.namespace, a.name), {}).get(cluster)
            if here:
                text = job_cell(here, now, palette)
            if cell.placement_state == "failed":
                text = Text(f"{MARKERS['unhealthy']} failed", style=palette.unhealthy)
            elif cell.placement_state == "pending":
                text.append(" pending", style=palette.muted)
            row.append(text)
        table.add_row(*row)
    return table


# -- application screen --

STEP_COLUMNS = (("step", "STEP"), ("type", "TYPE"), ("phase", "PHASE"), ("message", "MESSAGE"))


def step_rows(steps: Sequence[dict[str, Any]], palette: Palette, depth: int = 0) -> list[tuple[str, tuple[Text, ...]]]:
    """Steps with their phases; sub-steps of a step-group indented under it."""
    out: list[tuple[str, tuple[Text, ...]]] = []
    for s in steps:
        phase = s.get("phase") or "pending"
        word = STEP_HEALTH.get(phase, "unknown")
        key = s.get("id") or f"{depth}:{s.get('name')}"
        out.append((key, (
            Text("  " * depth + (s.get("name") or "?")),
            Text(s.get("type") or "", style=palette.muted),
            Text(f"{MARKERS[word]} {phase}", style=palette.health(word)),
            Text(s.get("message") or "", style=palette.muted),
        )))
        out.extend(step_rows(s.get("subSteps") or [], palette, depth + 1))
    return out


PLACEMENT_COLUMNS = (("cluster", "CLUSTER"), ("state", "STATE"), ("step", "STEP"),
                     ("revision", "REVISION"), ("objects", "OBJECTS"), ("diff", "OVERRIDES ON THIS CLUSTER"))


def _short(value: Any, limit: int = 24) -> str:
    text = "<none>" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def placement_cells(p: PlacementRow, palette: Palette) -> tuple[Text, ...]:
    """One cluster's placement: an error from that cluster shows here, on its row."""
    word = {"applied": "healthy", "pending": "progressing", "failed": "unhealthy",
            "skipped": "degraded"}.get(p.state, "unknown")  # skipped: the operator went on without it
    state = Text(f"{MARKERS[word]} {p.state}", style=palette.health(word))
    diff = "; ".join(f"{path}: {_short(before)} → {_short(after)}" for path, before, after in
                     (o for o in p.overrides if len(o) == 3))
    if p.state in ("failed", "skipped") and p.message:
        diff = p.message
    return (Text(p.cluster), state, Text(p.step), Text(p.revision), Text(str(len(p.manifests))),
            Text(diff or "-", style=palette.unhealthy if p.state == "failed" else ""))


RESOURCE_COLUMNS = (("cluster", "CLUSTER"), ("kind", "KIND"), ("name", "NAMESPACE/NAME"),
                    ("health", "HEALTH"), ("component", "COMPONENT"), ("message", "MESSAGE"))


def resource_key(r: ResourceRow) -> str:
    return f"{r.cluster}/{r.api_version}/{r.kind}/{r.namespace}/{r.name}"


def resource_cells(r: ResourceRow, palette: Palette) -> tuple[Text, ...]:
    word = "unknown" if r.healthy is None else ("healthy" if r.healthy else "unhealthy")
    return (Text(r.cluster), Text(r.kind), Text(f"{r.namespace}/{r.name}" if r.namespace else r.name),
            health_text(word, palette), Text(r.component, style=palette.muted),
            Text(r.message or "", style=palette.muted))


APP_EVENT_COLUMNS = (("age", "AGE"), ("type", "TYPE"), ("reason", "REASON"), ("cluster", "CLUSTER"),
                     ("message", "MESSAGE"))


def app_event_cells(e: AppEventRow, now: float, palette: Palette) -> tuple[Text, ...]:
    return (Text(fmt_age(max(0.0, now - e.at))),
            Text(e.type, style=palette.degraded if e.type == "Warning" else ""),
            Text(e.reason), Text(e.cluster or "-"), Text(e.message))


REVISION_COLUMNS = (("revision", "REVISION"), ("name", "NAME"), ("age", "AGE"), ("succeeded", "SUCCEEDED"),
                    ("hash", "HASH"))


def revision_cells(r: RevisionRow, now: float, palette: Palette) -> tuple[Text, ...]:
    return (Text(str(r.revision)), Text(r.name), Text(fmt_age(max(0.0, now - r.created_at))),
            Text("yes" if r.succeeded else "no", style=palette.healthy if r.succeeded else palette.muted),
            Text(r.hash[:12], style=palette.muted))


def plan_table(plan: Sequence[Any]) -> Table:
    """What `apply` would do: per deploy step and cluster, the objects and overrides."""
    table = Table(box=None, padding=(0, 1), header_style="bold", show_edge=False)
    for col in ("STEP", "CLUSTER", "OBJECTS", "OVERRIDES"):
        table.add_column(col)
    for e in plan:
        table.add_row(e.step, e.cluster, "\n".join(e.objects) or "-", "\n".join(e.overrides) or "-")
    return table

