"""The application screen (Enter on a rollout): steps with phases, per-cluster placement
and what the override changed there — with the placement decision and its reasons, and
each Job's progress, when the application has them — resources per cluster with health,
events, history. Live like the panes; the same actions as the rollouts pane."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, TabbedContent, TabPane

from fleettui.store import Store
from fleettui.store.apps import AppDetail, AppRow, AppStore
from fleettui.tui.actions import bindings
from fleettui.tui.panes.rollouts import ROLLOUT_ACTIONS, RolloutActions
from fleettui.tui.placement_renderers import (
    JOB_COLUMNS,
    decision_text,
    job_cells,
    job_key,
    job_state_text,
)
from fleettui.tui.renderers import MARKERS, Palette
from fleettui.tui.rollout_renderers import (
    APP_EVENT_COLUMNS,
    PHASE_HEALTH,
    PLACEMENT_COLUMNS,
    RESOURCE_COLUMNS,
    REVISION_COLUMNS,
    STEP_COLUMNS,
    app_event_cells,
    placement_cells,
    progress_bar,
    resource_cells,
    resource_key,
    revision_cells,
    step_rows,
)
from fleettui.tui.screens.detail import DetailFetch, DetailScreen
from fleettui.tui.widgets.diff_table import DiffTable
from fleettui.tui.widgets.footer import FleetFooter


def app_heading(detail: AppDetail | None, row: AppRow, palette: Palette) -> Text:
    if detail is None:
        return Text(f"application {row.namespace}/{row.name}: gone from the hub", style=palette.stale)
    r = detail.row
    health = PHASE_HEALTH.get(r.phase, "unknown")
    out = Text.assemble(("application ", palette.muted), (f"{r.namespace}/{r.name}", "bold"), "  ",
                        (f"{MARKERS[health]} {'deleting' if r.deleting else r.phase}", palette.health(health)),
                        f"  revision {r.revision or '-'}  workflow {progress_bar(r.steps_done, r.steps_total)}",
                        (f"  hub {r.hub}", palette.muted))
    if r.message:
        out.append(f"\n{r.message}", style=palette.degraded)
    return out


class AppScreen(RolloutActions, DetailScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), *bindings(ROLLOUT_ACTIONS)]
    TABS = ("tab-steps", "tab-placement", "tab-resources", "tab-app-events", "tab-history")

    def __init__(self, row: AppRow) -> None:
        super().__init__(classes="app-screen")
        self.row = row

    def compose(self) -> ComposeResult:
        yield Static(id="app-heading")
        with TabbedContent(id="app-tabs"):
            with TabPane("Steps", id="tab-steps"):
                yield DiffTable(STEP_COLUMNS, id="app-steps")
            with TabPane("Placement", id="tab-placement"):
                yield Static(id="app-decision")
                yield DiffTable(PLACEMENT_COLUMNS, id="app-placement")
                yield DiffTable(JOB_COLUMNS, id="app-jobs")
            with TabPane("Resources", id="tab-resources"):
                yield DiffTable(RESOURCE_COLUMNS, id="app-resources")
            with TabPane("Events", id="tab-app-events"):
                yield DiffTable(APP_EVENT_COLUMNS, id="app-events")
            with TabPane("History", id="tab-history"):
                yield DiffTable(REVISION_COLUMNS, id="app-history")
        yield FleetFooter()

    def make_fetch(self) -> DetailFetch:
        row = self.row

        async def fetch(store: Store) -> AppDetail | None:
            return await AppStore(store, hub=row.hub).detail(row.namespace, row.name)

        return fetch

    def show(self, detail: AppDetail | None, now: float, palette: Palette) -> None:
        self.query_one("#app-heading", Static).update(app_heading(detail, self.row, palette))
        if detail is None:
            return
        self.row = detail.row
        self.query_one("#app-steps", DiffTable).apply_rows(step_rows(detail.steps, palette))
        self.query_one("#app-placement", DiffTable).apply_rows(
            [(p.cluster, placement_cells(p, palette)) for p in detail.placements])
        decisions = detail.app.status.get("placementDecisions") or {}
        decision = self.query_one("#app-decision", Static)
        decision.display = bool(decisions)
        decision.update(decision_text(decisions, palette) if decisions else "")
        jobs = list(detail.app.status.get("jobs") or [])
        jobs_table = self.query_one("#app-jobs", DiffTable)
        jobs_table.display = bool(jobs)
        jobs_table.apply_rows([(job_key(j), job_cells(j, now, palette)) for j in jobs])
        by_job = {job_key(j): j for j in jobs}
        rows = []
        for r in detail.resources:
            cells = resource_cells(r, palette)
            job = by_job.get(f"{r.cluster}/{r.namespace}/{r.name}") if r.kind == "Job" else None
            if job is not None:  # a running Job progresses and a finished one is done, not "unhealthy"
                cells = (*cells[:3], job_state_text(job, palette), *cells[4:])
            rows.append((resource_key(r), cells))
        self.query_one("#app-resources", DiffTable).apply_rows(rows)
        self.query_one("#app-events", DiffTable).apply_rows(
            [(f"{e.at}/{e.reason}/{e.cluster}/{i}", app_event_cells(e, now, palette))
             for i, e in enumerate(reversed(detail.events))][::-1])
        self.query_one("#app-history", DiffTable).apply_rows(
            [(str(r.revision), revision_cells(r, now, palette)) for r in reversed(detail.revisions)])
        tabs = self.query_one(TabbedContent)
        failed = sum(1 for p in detail.placements if p.state == "failed")
        tabs.get_tab("tab-placement").label = f"Placement ({len(detail.placements)}" + (
            f", {failed} failed" if failed else "") + (f", {len(jobs)} job{'s' if len(jobs) != 1 else ''})"
                                                      if jobs else ")")
        tabs.get_tab("tab-resources").label = f"Resources ({len(detail.resources)})"

    def selected_app(self) -> AppRow:
        return self.row
