"""A Job's progress as the keeper reads it back: its state in Kubernetes' own words
(Complete, Failed, Suspended, Running), pods, and how long it ran — a failed Job too."""

from __future__ import annotations

from fleettui.engine.resourcekeeper.live_health import job_progress


def _job(status: dict, spec: dict | None = None) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "t", "namespace": "ml"},
            "spec": {"completions": 2, **(spec or {})}, "status": status}


def test_a_complete_job_says_so_with_its_duration():
    p = job_progress("a", _job({"succeeded": 2, "startTime": "2026-01-01T00:00:00Z",
                                "completionTime": "2026-01-01T00:01:05Z",
                                "conditions": [{"type": "Complete", "status": "True"}]}))
    assert (p["state"], p["succeeded"], p["completions"], p["durationSeconds"]) == ("Complete", 2, 2, 65)


def test_a_failed_job_is_failed_with_its_reason_and_how_long_it_ran():
    p = job_progress("a", _job({"failed": 7, "startTime": "2026-01-01T00:00:00Z", "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit", "lastTransitionTime": "2026-01-01T00:05:00Z"}]}))
    assert (p["state"], p["failed"], p["durationSeconds"]) == ("Failed", 7, 300)
    assert p["message"] == "Job has reached the specified backoff limit"


def test_running_pending_and_suspended():
    assert job_progress("a", _job({"active": 1, "startTime": "2026-01-01T00:00:00Z"}))["state"] == "Running"
    assert "durationSeconds" not in job_progress("a", _job({"active": 1, "startTime": "2026-01-01T00:00:00Z"}))
    assert job_progress("a", _job({}))["state"] == "Pending"
    assert job_progress("a", _job({}, {"suspend": True}))["state"] == "Suspended"


def test_app_status_prints_the_state_and_reads_older_statuses_too():
    from fleettui.cli.commands.app_placement import job_rows

    failed = job_progress("a", _job({"failed": 7, "startTime": "2026-01-01T00:00:00Z", "conditions": [
        {"type": "Failed", "status": "True", "lastTransitionTime": "2026-01-01T00:05:00Z"}]}))
    older = {"cluster": "b", "namespace": "ml", "name": "t", "active": 0, "succeeded": 1, "failed": 0,
             "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:00:09Z", "durationSeconds": 9}
    rows = job_rows({"jobs": [failed, older]})
    assert [(r["cluster"], r["state"], r["duration"]) for r in rows] == [("a", "Failed", "5m00s"), ("b", "Complete", "9s")]
