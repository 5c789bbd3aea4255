"""The rollouts pane and the application screen on Job applications and placement
decisions: pure renderers over status.jobs / status.placementDecisions as the engine
writes them (the decision made here by the engine's own placement functions)."""

from __future__ import annotations

from dataclasses import replace

from fleettui.store.apps import AppClusterCell, AppRow
from fleettui.tui.placement_renderers import (
    decision_short,
    decision_text,
    job_cells,
    job_duration,
    jobs_summary,
)
from fleettui.tui.renderers import Palette
from fleettui.tui.rollout_renderers import app_cells, matrix_table
from tui.jobs_fixture import train_decision

PALETTE = Palette()
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z

COMPLETE = {"cluster": "a", "namespace": "ml", "name": "t", "active": 0, "succeeded": 1, "failed": 0,
            "completions": 1, "state": "Complete", "startTime": "2026-01-01T00:00:00Z", "durationSeconds": 65}
FAILED = {"cluster": "b", "namespace": "ml", "name": "t", "active": 0, "succeeded": 0, "failed": 7,
          "completions": 1, "state": "Failed", "message": "backoff limit", "durationSeconds": 300}
RUNNING = {"cluster": "c", "namespace": "ml", "name": "t", "active": 2, "succeeded": 0, "failed": 0,
           "completions": 2, "state": "Running", "startTime": "2026-01-01T00:00:00Z"}


def _row(**kw) -> AppRow:
    return replace(AppRow("local", "ml", "t", "running", "t-v1", 1, 1, None, 3, 1, False, 0.0), **kw)


def test_a_complete_job_is_shown_complete_in_the_healthy_colour_not_unhealthy():
    state = job_cells(COMPLETE, NOW, PALETTE)[2]
    assert state.plain.endswith("Complete") and str(state.style) == PALETTE.healthy
    failed = job_cells(FAILED, NOW, PALETTE)
    assert failed[2].plain.endswith("Failed") and str(failed[2].style) == PALETTE.unhealthy
    assert failed[5].plain == "backoff limit"
    running = job_cells(RUNNING, NOW + 95, PALETTE)
    assert running[2].plain.endswith("Running") and str(running[2].style) == PALETTE.progressing
    assert (running[3].plain, running[4].plain) == ("2/0/0 of 2", "1m35s+")


def test_durations_finished_running_and_not_started():
    assert job_duration(COMPLETE, NOW) == "1m05s"
    assert job_duration(RUNNING, NOW + 7300) == "2h01m+"
    assert job_duration({"state": "Pending"}, NOW) == "-"


def test_a_status_written_before_states_were_recorded_still_reads():
    older = {k: v for k, v in COMPLETE.items() if k != "state"} | {"completionTime": "2026-01-01T00:01:05Z"}
    assert job_cells(older, NOW, PALETTE)[2].plain.endswith("Complete")
    assert job_cells({"cluster": "x", "name": "t", "startTime": "2026-01-01T00:00:00Z"}, NOW, PALETTE)[2] \
        .plain.endswith("Running")


def test_the_pane_row_counts_complete_clusters_and_summarises_the_jobs():
    cells = app_cells(_row(jobs=(COMPLETE, FAILED, RUNNING), long_running=False), PALETTE)
    assert cells[3].plain == "1/3 complete"  # not "1/3 healthy": a running Job is not a broken one
    assert cells[7].plain == "jobs 1 complete, 1 failed, 1 running"
    # a web service with a migration Job: its Deployments' health still counts
    mixed = app_cells(_row(jobs=(COMPLETE,), long_running=True), PALETTE)
    assert (mixed[3].plain, mixed[7].plain) == ("1/3 healthy", "jobs 1 complete")
    assert jobs_summary([]) == ""


def test_the_matrix_shows_each_cluster_s_job_state_pods_and_time():
    row = _row(jobs=(COMPLETE, FAILED, RUNNING))
    cells = [AppClusterCell("local", "ml", "t", c, "unhealthy" if c != "a" else "healthy", 1, int(c == "a"),
                            "applied", None) for c in "abc"]
    table = matrix_table([row], cells, PALETTE, now=NOW + 95)
    got = [str(t) for t in table.columns[1]._cells]
    assert [g.split(" ", 1)[1] for g in got] == ["complete 1/1 1m05s", "failed 0/1 5m00s", "running 0/2 1m35s+"]


def test_the_decision_names_each_skipped_cluster_and_why():
    decision = train_decision("train-v1")
    assert decision["clusters"] == ["idc-beijing"]
    text = decision_text({"gpu-room": decision}, PALETTE).plain
    lines = text.splitlines()
    assert lines[0].startswith("placement gpu-room: 1/1 cluster(s) with room for 1 pod(s)")
    assert "idc-beijing  chosen  room for 1 pod(s) on 3/3 node(s)" in lines[1]
    assert "ack-hangzhou-a  skipped: insufficient nvidia.com/gpu  room for 0 pod(s)" in lines[2]
    assert "edge-shenzhen  skipped: every matching node has a taint the pod does not tolerate" in lines[3]
    assert "eks-us-west-2  skipped: no node matches nodeSelector accelerator=nvidia" in lines[4]
    assert decision_short({"gpu-room": decision}) == "placed on idc-beijing; 3 skipped: no room, taint, selector"


def test_a_replica_split_in_short_and_in_full():
    d = {"type": "replica-split", "replicas": {"a": 4, "b": 2}, "summary": "6 replicas by weight (a=2, b=1): a=4, b=2",
         "reasons": ["a: 4 replica(s)", "b: 2 replica(s)"]}
    assert decision_short({"split": d}) == "split a=4, b=2"
    assert decision_text({"split": d}, PALETTE).plain.splitlines()[1:] == ["  ● a  4 replica(s)", "  ● b  2 replica(s)"]


def test_an_application_without_jobs_or_decisions_reads_as_before():
    cells = app_cells(_row(message="all good"), PALETTE)
    assert (cells[3].plain, cells[7].plain) == ("1/3 healthy", "all good")


def test_a_kubernetes_hub_row_carries_the_jobs_and_the_decision():
    from fleettui.engine.hub_kube import app_row

    decision = {"type": "placement", "clusters": ["a"], "reasons": ["a: chosen; room for 1 pod(s); priority 0"]}
    obj = {"metadata": {"name": "t", "namespace": "ml"},
           "status": {"status": "running", "jobs": [COMPLETE], "placementDecisions": {"room": decision},
                      "appliedResources": [{"kind": "Job", "name": "t", "cluster": "a"}]}}
    row = app_row("hub", obj)
    assert (row.jobs, row.decisions, row.long_running) == ((COMPLETE,), {"room": decision}, False)
    obj["status"]["appliedResources"].append({"kind": "Deployment", "name": "web", "cluster": "a"})
    assert app_row("hub", obj).long_running
