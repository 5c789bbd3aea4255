"""Fixture tests for the pure renderers."""

from __future__ import annotations

from rich.text import Text

from fleettui.store import ClusterRow, FleetSummary, TopologyNode
from fleettui.tui.bar_renderers import StatusInfo, shorten_path, status_text, summary_text
from fleettui.tui.renderers import (
    CLUSTER_COLUMN_PRIORITY,
    CLUSTER_COLUMNS,
    CLUSTER_SORTS,
    PLAIN,
    Palette,
    cluster_cells,
    cluster_matches,
    counts_text,
    fit_columns,
    fmt_age,
    fmt_cpu,
    fmt_mem,
    health_text,
    hub_text,
    topology_label,
)

NOW = 1_000_000.0


def row(**kw) -> ClusterRow:
    base = dict(
        name="ack-hangzhou-a", context="ack-hangzhou-a", provider="ack", region="cn-hangzhou",
        zone="cn-hangzhou-h", version="v1.31.1", nodes_ready=3, nodes_total=4, cpu_alloc_m=32000,
        cpu_req_m=8000, mem_alloc_b=128 << 30, mem_req_b=120 << 30, pods_running=40,
        pods_pending=2, pods_failed=1, health="degraded", reachable=True, latency_ms=10.0,
        last_seen=NOW - 5, last_error=None, observed_at=NOW - 5, labels={"env": "prod"},
    )
    base.update(kw)
    return ClusterRow(**base)


def test_fmt_age_like_kubectl():
    assert [fmt_age(s) for s in (None, 0, 59, 119, 120, 7199, 7200, 172799, 172800)] == [
        "never", "0s", "59s", "119s", "2m", "119m", "2h", "47h", "2d"]


def test_quantities():
    assert fmt_cpu(500) == "0.5c" and fmt_cpu(8000) == "8c" and fmt_cpu(48000) == "48c"
    assert fmt_mem(32 << 30) == "32Gi" and fmt_mem(1536 << 20) == "1.5Gi" and fmt_mem(0) == "0"


def test_cluster_cells_follow_the_columns():
    cells = cluster_cells(row(), NOW, PLAIN)
    plain = dict(zip([k for k, _ in CLUSTER_COLUMNS], [c.plain for c in cells], strict=True))
    assert plain == {
        "name": "ack-hangzhou-a", "health": "▲ degraded", "nodes": "3/4", "cpu": "32c 25%",
        "cpu_use": "-", "mem": "128Gi 94%", "mem_use": "-", "pods": "40 2p 1f", "seen": "5s", "version": "v1.31.1",
        "provider": "ack", "where": "cn-hangzhou/cn-hangzhou-h", "hub": "-",
    }


def test_hub_column_words_the_ocm_registration():
    joining = {"state": "pending acceptance", "accepted": False, "joined": False, "pending_csrs": 1,
               "taints": [], "clusterset": None}
    joined = {"state": "available", "accepted": True, "joined": True, "pending_csrs": 0,
              "clusterset": "default", "taints": [{"key": "maint", "value": "", "effect": "NoSelect"}]}
    denied = {"state": "denied", "accepted": False, "joined": False}
    assert hub_text(joining, PLAIN).plain == "pending 1 csr"
    assert hub_text(joined, PLAIN).plain == "joined set:default 1 taint"
    assert hub_text(denied, PLAIN).plain == "denied"
    assert hub_text({}, PLAIN).plain == "-"
    cells = cluster_cells(row(hub=joining), NOW, PLAIN)
    assert cells[[k for k, _ in CLUSTER_COLUMNS].index("hub")].plain == "pending 1 csr"
    # the `/` filter finds clusters by registration state
    assert cluster_matches(row(hub=joining), "pending acc")
    assert not cluster_matches(row(hub=joined), "pending acc")



def _col(key: str) -> int:
    return [k for k, _ in CLUSTER_COLUMNS].index(key)


def test_memory_pressure_is_flagged():
    cells = cluster_cells(row(), NOW, Palette(unhealthy="bold red"))
    mem = cells[_col("mem")]
    assert any("red" in str(span.style) for span in mem.spans)


def test_stale_row_shows_its_age_and_never_seen_says_so():
    stale = cluster_cells(row(reachable=False, last_seen=NOW - 420, last_error="refused"), NOW, PLAIN)
    assert stale[_col("seen")].plain == "stale 7m"
    never = cluster_cells(row(reachable=False, last_seen=None), NOW, PLAIN)
    assert never[_col("seen")].plain == "unreachable"
    pending = cluster_cells(row(reachable=None, last_seen=None), NOW, PLAIN)
    assert pending[_col("seen")].plain == "pending"


def test_health_is_a_word_and_a_marker_not_only_colour():
    assert health_text("unhealthy", PLAIN).plain == "✖ unhealthy"
    assert health_text("bogus", PLAIN).plain == "? unknown"


def test_filter_matches_name_region_labels_and_stale():
    r = row(reachable=False)
    assert cluster_matches(r, "HANGZHOU")
    assert cluster_matches(r, "env=prod")
    assert cluster_matches(r, "stale")
    assert not cluster_matches(r, "eks")
    assert cluster_matches(r, "")


def test_filter_takes_the_label_selectors_a_topology_takes():
    prod = row(labels={"fleettui.io/provider": "ack", "env": "prod"})
    staging = row(name="idc-beijing", provider="idc", labels={"env": "staging"})
    for text, expected in [
        ("fleettui.io/provider=ack", [True, False]),
        ("env!=prod", [False, True]),
        ("env in (prod,staging)", [True, True]),
        ("env notin (prod)", [False, True]),
        ("!fleettui.io/provider", [False, True]),
        ("env=prod,fleettui.io/provider=ack", [True, False]),
    ]:
        assert [cluster_matches(r, text) for r in (prod, staging)] == expected, text
    assert cluster_matches(staging, "beijing")  # plain words are still searched for


def test_sorts():
    a = row(name="a", health="healthy", cpu_req_m=1000)
    b = row(name="b", health="unhealthy", cpu_req_m=30000)
    c = row(name="c", health="degraded", last_seen=None)
    assert [r.name for r in sorted([a, b, c], key=lambda r: CLUSTER_SORTS["health"](r, NOW))] == ["b", "c", "a"]
    assert [r.name for r in sorted([a, b, c], key=lambda r: CLUSTER_SORTS["cpu"](r, NOW))][0] == "b"
    assert [r.name for r in sorted([a, b, c], key=lambda r: CLUSTER_SORTS["seen"](r, NOW))][0] == "c"


def test_summary_line():
    s = FleetSummary(clusters_total=8, clusters_healthy=5, nodes_ready=29, nodes_total=30,
                     workloads_total=56, workloads_unhealthy=2, last_sync=None, clusters_unreachable=1)
    assert summary_text(s, PLAIN).plain == (
        "fleettui  clusters 5/8 healthy (1 unreachable)  nodes 29/30  workloads 2/56 unhealthy"
        "  pods 0 pending 0 failed")
    assert not summary_text(s, PLAIN, width=100).plain.startswith("fleettui")


BIG = FleetSummary(clusters_total=100, clusters_healthy=95, nodes_ready=1180, nodes_total=1200,
                   workloads_total=4000, workloads_unhealthy=12, last_sync=None,
                   clusters_unreachable=3, pods_pending=25, pods_failed=3)


def _figures(text: str) -> list[str]:
    return [w for w in text.replace("(", " ").split() if any(c.isdigit() for c in w)]


def test_summary_keeps_every_figure_and_its_word_at_any_width():
    full = summary_text(BIG, PLAIN).plain
    for width in (200, 120, 100, 80, 78, 60, 58, 50):
        text = summary_text(BIG, PLAIN, width=width).plain
        lines = text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= width for line in lines), (width, text)
        assert _figures(text) == _figures(full), (width, text)
        # each figure keeps the word that says what it counts
        for word in ("clusters 95/100", "nodes 1180/1200", "workloads 12/4000", "pods 25"):
            assert word in text, (width, text)
        assert ("pend" in text and "fail" in text and "unreach" in text), (width, text)


def test_summary_fits_one_line_at_80_columns():
    s = FleetSummary(clusters_total=8, clusters_healthy=5, nodes_ready=29, nodes_total=30,
                     workloads_total=56, workloads_unhealthy=2, last_sync=None, clusters_unreachable=1,
                     pods_pending=3, pods_failed=1)
    assert summary_text(s, PLAIN, width=78).plain == (
        "clusters 5/8 ok (1 unreach) nodes 29/30 workloads 2/56 bad pods 3 pend 1 fail")


def test_status_line_modes_and_recovery():
    info = StatusInfo(kubeconfig="~/.kube/config", hub="hub", read_only=True, watch=True,
                      last_sync=NOW - 30, recovered_from="/c/cache.db.corrupt-x")
    text = status_text(info, NOW, PLAIN).plain
    assert text.startswith(" WATCH ")
    assert "synced 30s ago" in text and "moved to /c/cache.db.corrupt-x" in text
    ro = status_text(StatusInfo("k", None, True, False, None), NOW, PLAIN).plain
    assert ro.startswith(" READ-ONLY ") and "sync never" in ro


def test_status_line_keeps_the_moved_cache_path_in_a_narrow_terminal():
    moved = "/home/operator/.cache/fleettui/cache.db.corrupt-20260921T141320Z"
    info = StatusInfo(kubeconfig="/home/operator/.kube/config-prod", hub="hub-prod", read_only=False,
                      watch=True, last_sync=NOW - 30, recovered_from=moved)
    for width in (200, 78, 58):
        text = status_text(info, NOW, PLAIN, width=width).plain
        assert len(text) <= width, (width, text)
        assert "cache.db.corrupt-20260921T141320Z" in text  # the file name is never cut
        assert text.startswith(" WATCH ")
        # the sync age gives way to the file name only when both cannot fit
        assert ("synced 30s ago" in text) == (width >= 78)
    assert moved in status_text(info, NOW, PLAIN, width=120).plain  # whole when it fits
    # without a recovery, kubeconfig and hub go before the sync age
    quiet = StatusInfo("/home/operator/.kube/config-prod", "hub-prod", False, False, NOW - 30)
    assert status_text(quiet, NOW, PLAIN, width=30).plain == "synced 30s ago  hub hub-prod"


def test_shorten_path_keeps_the_file_name():
    assert shorten_path("/a/b/c.db", 20) == "/a/b/c.db"
    assert shorten_path("/very/long/directory/c.db", 12) == "/very/…/c.db"
    assert len(shorten_path("/very/long/directory/c.db", 12)) == 12
    assert shorten_path("/d/" + "x" * 30, 10) == "…" + "x" * 9


def test_fit_columns_drops_descriptive_columns_first():
    cells = [cluster_cells(row(name="ack-hangzhou-a", last_seen=NOW - 2), NOW, PLAIN)]
    keys = [k for k, _ in CLUSTER_COLUMNS]
    assert fit_columns(CLUSTER_COLUMNS, cells, 0, CLUSTER_COLUMN_PRIORITY) == tuple(keys)
    assert fit_columns(CLUSTER_COLUMNS, cells, 500, CLUSTER_COLUMN_PRIORITY) == tuple(keys)
    at80 = fit_columns(CLUSTER_COLUMNS, cells, 78, CLUSTER_COLUMN_PRIORITY)
    # used beside requested: at 80 columns the usage columns outrank pods and last seen
    assert at80[:7] == ("name", "health", "nodes", "cpu", "cpu_use", "mem", "mem_use")
    assert "version" not in at80
    width = {k: max(len(h), cells[0][i].cell_len) + 2 for i, (k, h) in enumerate(CLUSTER_COLUMNS)}
    assert sum(width[k] for k in at80) <= 78
    # the first two are kept even when nothing fits (the table scrolls then)
    assert fit_columns(CLUSTER_COLUMNS, cells, 10, CLUSTER_COLUMN_PRIORITY) == ("name", "health")
    wide_cell = [tuple(Text("x" * 40) if k == "where" else c for k, c in zip(keys, cells[0], strict=True))]
    assert "where" not in fit_columns(CLUSTER_COLUMNS, wide_cell, 100, CLUSTER_COLUMN_PRIORITY)
    # where a hub manages the fleet, HUB (a membership action's result) outlasts the
    # descriptive columns: a 160-column terminal with long region names kept REGION and
    # VERSION and dropped HUB
    hub = [tuple(Text("x" * 30) if k in ("where", "version") else Text("joined set:edge") if k == "hub" else c
                 for k, c in zip(keys, cells[0], strict=True))]
    at = fit_columns(CLUSTER_COLUMNS, hub, 140, CLUSTER_COLUMN_PRIORITY)
    assert "hub" in at and "version" not in at


def test_topology_label_shows_counts_of_problems_below():
    node = TopologyNode(key="region:x", kind="region", name="cn-hangzhou", health="unhealthy",
                        counts={"healthy": 30, "unhealthy": 1, "degraded": 2}, detail="3 clusters")
    assert topology_label(node, PLAIN).plain == (
        "✖ region cn-hangzhou  3 clusters  [30 ok, 2 degraded, 1 unhealthy]")
    leaf = TopologyNode(key="w", kind="workload", name="checkout", health="unhealthy",
                        counts={"unhealthy": 1}, detail="Deployment 0/2")
    assert topology_label(leaf, PLAIN).plain == "✖ checkout  Deployment 0/2"
    assert counts_text({}, PLAIN).plain == ""


def test_a_row_nobody_refreshes_is_shown_stale_with_its_age():
    seen = CLUSTER_COLUMNS.index(next(c for c in CLUSTER_COLUMNS if c[0] == "seen"))
    fresh = cluster_cells(row(last_seen=NOW - 20), NOW, PLAIN)
    assert fresh[seen].plain == "20s"
    # answered once, then nothing kept it current (outside --context, sync stopped)
    old = cluster_cells(row(last_seen=NOW - 600), NOW, PLAIN)
    assert old[seen].plain == "stale 10m"
    down = cluster_cells(row(reachable=False, last_seen=NOW - 90), NOW, PLAIN)
    assert down[seen].plain == "stale 90s"


def test_the_access_path_is_said_in_words():
    direct = cluster_cells(row(), NOW, PLAIN)[0]
    via = cluster_cells(row(access="gateway"), NOW, PLAIN)[0]
    assert direct.plain == row().name and via.plain == f"{row().name} via hub"
    assert cluster_matches(row(access="gateway"), "gateway")
    assert not cluster_matches(row(), "gateway")
    info = StatusInfo(kubeconfig="~/.kube/config", hub="hub", read_only=False, watch=False,
                      last_sync=None, via_gateway=3)
    assert "hub hub (3 via gateway)" in status_text(info, NOW, PLAIN).plain
    assert "via gateway" not in status_text(StatusInfo("k", "hub", False, False, None), NOW, PLAIN).plain


def test_registration_rows_say_why_and_read_without_colour():
    from fleettui.engine.membership import JoinRequest
    from fleettui.engine.registration import ClusterSetRow, PlacementView
    from fleettui.tui.registration_renderers import (
        PENDING_COLUMNS,
        PLACEMENT_COLUMNS,
        clusterset_cells,
        pending_cells,
        placement_rows,
    )

    view = PlacementView("default", "ack", ("default",), 2, "False", "1 cluster decisions scheduled, 1 unscheduled",
                         (("a", "in set default"),), (("b", "tainted k:NoSelect (not tolerated)"),))
    rows = placement_rows(view, Palette())
    assert [k for k, _ in rows] == ["default/ack", "default/ack>a", "default/ack>b"]
    assert all(len(cells) == len(PLACEMENT_COLUMNS) for _, cells in rows)
    text = [" | ".join(c.plain for c in cells) for _, cells in rows]
    assert text == ["default/ack | ▲ 1 of 2 chosen, sets: default (1 cluster decisions scheduled, 1 unscheduled)",
                    "  ✔ a | chosen: in set default",
                    "  - b | left out: tainted k:NoSelect (not tolerated)"]
    cells = pending_cells(JoinRequest("edge-9", False, "edge-9-x", "pending", "agent", "2026-12-01T00:00:00Z"),
                          Palette())
    assert len(cells) == len(PENDING_COLUMNS)
    assert [c.plain for c in cells] == ["edge-9", "pending", "edge-9-x", "no", "2026-12-01T00:00:00Z", "agent"]
    assert clusterset_cells(ClusterSetRow("empty", "label clusterset=empty", ()), Palette())[3].plain == "(empty)"
