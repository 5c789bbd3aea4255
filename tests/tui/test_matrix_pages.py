"""The rollouts matrix at fleet scale: paged, the all-healthy clusters folded."""

from __future__ import annotations

from rich.console import Console

from fleettui.store.apps import AppClusterCell, AppRow
from fleettui.tui.renderers import Palette
from fleettui.tui.rollout_renderers import MATRIX_PAGE, matrix_table, matrix_view

PLAIN = Palette()


def app(name: str) -> AppRow:
    return AppRow(hub="local", namespace="default", name=name, phase="running", revision="v1", steps_done=1,
                  steps_total=1, message=None, clusters=0, clusters_healthy=0, deleting=False, updated_at=0.0)


def cell(a: str, cluster: str, *, health="healthy", healthy=3, state="applied") -> AppClusterCell:
    return AppClusterCell(hub="local", namespace="default", app=a, cluster=cluster, health=health, resources=3,
                          resources_healthy=healthy, placement_state=state, message=None)


def text(table) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_a_small_fleet_matrix_is_the_whole_table():
    apps = [app("web")]
    cells = [cell("web", f"c{i}") for i in range(5)]
    view = matrix_view(apps, cells, PLAIN)
    assert view.caption == "" and view.pages == 1
    assert text(view.table) == text(matrix_table(apps, cells, PLAIN))


def test_a_thousand_clusters_fold_the_healthy_and_page_the_rest_worst_first():
    apps = [app("web"), app("api")]
    cells = [cell(a.name, f"member-{i:04d}") for i in range(1000) for a in apps]
    # 100 clusters need attention: 10 failed, 30 unhealthy, 60 progressing
    for i in range(100):
        state, health, healthy = (("failed", "unhealthy", 0) if i < 10 else
                                  ("applied", "unhealthy", 1) if i < 40 else ("pending", "progressing", 2))
        cells[2 * (999 - i)] = cell("web", f"member-{999 - i:04d}", health=health, healthy=healthy, state=state)
    view = matrix_view(apps, cells, PLAIN)
    lines = text(view.table).splitlines()
    assert len(lines) == 1 + MATRIX_PAGE + 1  # header, a page of clusters, the folded row
    assert "failed" in lines[1] and "member-0990" in lines[1]  # worst first
    assert lines[-1].split()[1:3] == ["900", "more"] and lines[-1].count(" 900") == 3
    assert view.pages == 3 and "clusters 1-40 of 100 not all healthy" in view.caption
    assert "900 all healthy folded" in view.caption
    last = matrix_view(apps, cells, PLAIN, page=7)  # clamped to the last page
    assert last.page == 2 and "clusters 81-100 of 100" in last.caption
    assert len(text(last.table).splitlines()) == 1 + 20 + 1


def test_many_applications_are_capped_and_said():
    apps = [app(f"app-{i:02d}") for i in range(30)]
    cells = [cell(a.name, f"c{i}") for i in range(100) for a in apps]
    view = matrix_view(apps, cells, PLAIN)
    header = text(view.table).splitlines()[0].split()
    assert header[0] == "CLUSTER" and len(header) == 1 + 12
    assert "18 more applications not shown" in view.caption


async def test_the_rollouts_pane_pages_its_matrix_with_brackets(fleet_cache, monkeypatch):
    from functools import partial

    from fleettui.tui.panes import rollouts
    from fleettui.tui.panes.rollouts import RolloutsPane
    from tui.conftest import make_app, settle, wait_for_data

    # the fixture's fleet is small: pages of one cluster stand in for pages of forty
    monkeypatch.setattr(rollouts, "matrix_view", partial(matrix_view, page_size=1))
    app = make_app(fleet_cache)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot)
        await pilot.press("3")
        await settle(pilot)
        pane = app.query_one(RolloutsPane)
        title = pane.query_one("#rollouts-matrix-title").render()
        assert "(page 1/" in str(title), str(title)
        pages = int(str(title).split("(page 1/")[1].split(":")[0])
        assert pages >= 2
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert "(page 2/" in str(pane.query_one("#rollouts-matrix-title").render())
        for _ in range(pages + 2):
            await pilot.press("right_square_bracket")
        await settle(pilot)
        assert f"(page {pages}/{pages}" in str(pane.query_one("#rollouts-matrix-title").render())
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert f"(page {pages - 1}/{pages}" in str(pane.query_one("#rollouts-matrix-title").render())
