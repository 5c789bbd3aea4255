"""`app status`'s fleettui sections: the placement decisions (chosen clusters and why,
replica shares) and each Job's progress per cluster."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fleettui.cli.common import emit

JOB_COLUMNS = (("cluster", "cluster"), ("job", "job"), ("state", "state"), ("active", "active"), ("succeeded", "succeeded"),
               ("failed", "failed"), ("duration", "duration"))


def _seconds(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _span(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else (f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s")


def job_rows(status: dict[str, Any], now: Callable[[], float] = time.time) -> list[dict[str, Any]]:
    rows = []
    for j in status.get("jobs") or []:
        if "durationSeconds" in j:
            duration = _span(j["durationSeconds"])
        elif j.get("startTime"):
            duration = f"{_span(max(0.0, now() - _seconds(j['startTime'])))} (running)"
        else:
            duration = "-"
        # statuses written before the state was recorded: Complete once it has a completion time
        state = j.get("state") or ("Complete" if j.get("completionTime") else "Running" if j.get("startTime")
                                   else "Pending")
        rows.append({"cluster": j["cluster"], "job": f"{j['namespace']}/{j['name']}", "state": state,
                     "active": j["active"],
                     "succeeded": j["succeeded"], "failed": j["failed"], "duration": duration})
    return rows


def print_placement(status: dict[str, Any]) -> None:
    for policy, d in sorted((status.get("placementDecisions") or {}).items()):
        print(f"\nPlacement ({d.get('type', '')} {policy}): {d.get('summary', '')}")
        for line in d.get("reasons") or []:
            print(f"  {line}")
    rows = job_rows(status)
    if rows:
        print("\nJobs:")
        emit("table", rows, JOB_COLUMNS)
