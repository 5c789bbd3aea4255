"""Pure renderers for what fleettui adds to an application's status: each Job's progress
per cluster (`status.jobs`) and the placement decisions with their reasons
(`status.placementDecisions`) — in full on the application screen, in short in the
rollouts pane's row and matrix.

A finished Job is not an unhealthy one: Complete reads as done (healthy colour) and
Failed as failed, a running Job as progressing — never the red of a broken Deployment
just because its pods have not all succeeded yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from fleettui.tui.renderers import MARKERS, Palette

# a Job's state (engine/resourcekeeper/live_health.job_progress) → health word
JOB_HEALTH = {"Complete": "healthy", "Failed": "unhealthy", "Running": "progressing",
              "Pending": "progressing", "Suspended": "degraded"}

JOB_COLUMNS = (("cluster", "CLUSTER"), ("job", "NAMESPACE/JOB"), ("state", "STATE"), ("pods", "ACTIVE/OK/FAILED"),
               ("duration", "DURATION"), ("message", "MESSAGE"))


def _seconds(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def span(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else (f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s")


def job_state(job: Mapping[str, Any]) -> str:
    """The stored state, or (a status written before states were recorded) one read from the counts."""
    if job.get("state"):
        return str(job["state"])
    if job.get("completionTime"):
        return "Complete"
    return "Running" if job.get("startTime") else "Pending"


def job_duration(job: Mapping[str, Any], now: float) -> str:
    """How long it ran (finished) or has been running so far (with a `+`: still counting)."""
    if "durationSeconds" in job:
        return span(float(job["durationSeconds"]))
    if job.get("startTime"):
        try:
            return span(now - _seconds(str(job["startTime"]))) + "+"
        except ValueError:
            return "-"
    return "-"


def job_key(job: Mapping[str, Any]) -> str:
    return f"{job.get('cluster')}/{job.get('namespace')}/{job.get('name')}"


def job_word(job: Mapping[str, Any]) -> str:
    return JOB_HEALTH.get(job_state(job), "unknown")


def job_state_text(job: Mapping[str, Any], palette: Palette) -> Text:
    """`✓ Complete`, `✗ Failed`, `◐ Running`: the state in its own word, coloured by health."""
    word = job_word(job)
    return Text(f"{MARKERS[word]} {job_state(job)}", style=palette.health(word))


def job_cells(job: Mapping[str, Any], now: float, palette: Palette) -> tuple[Text, ...]:
    state = job_state(job)
    ns, name = job.get("namespace") or "", job.get("name") or "?"
    pods = f"{job.get('active', 0)}/{job.get('succeeded', 0)}/{job.get('failed', 0)}"
    if job.get("completions"):
        pods += f" of {job['completions']}"
    return (Text(str(job.get("cluster") or "?")), Text(f"{ns}/{name}" if ns else name),
            job_state_text(job, palette), Text(pods),
            Text(job_duration(job, now)),
            Text(str(job.get("message") or ""), style=palette.unhealthy if state == "Failed" else palette.muted))


def job_cell(jobs: Sequence[Mapping[str, Any]], now: float, palette: Palette) -> Text:
    """One matrix cell for the Jobs of an application on one cluster: the worst state, with
    pods done of wanted and the time."""
    order = ("Failed", "Suspended", "Running", "Pending", "Complete")
    worst = min(jobs, key=lambda j: order.index(job_state(j)) if job_state(j) in order else 0)
    state, word = job_state(worst), job_word(worst)
    done = sum(int(j.get("succeeded") or 0) for j in jobs)
    want = sum(int(j.get("completions") or 1) for j in jobs)
    return Text(f"{MARKERS[word]} {state.lower()} {done}/{want} {job_duration(worst, now)}",
                style=palette.health(word))


def jobs_by_cluster(jobs: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for j in jobs:
        out.setdefault(str(j.get("cluster") or ""), []).append(j)
    return out


def jobs_summary(jobs: Sequence[Mapping[str, Any]]) -> str:
    """`jobs 1 complete, 2 running` for the pane's row."""
    counts: dict[str, int] = {}
    for j in jobs:
        counts[job_state(j).lower()] = counts.get(job_state(j).lower(), 0) + 1
    return "jobs " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) if counts else ""


# -- placement decisions --


def _verdict(reason: str) -> tuple[str, str, str]:
    """`cluster: chosen; room ...; priority 0` → (cluster, verdict, the rest)."""
    cluster, _, rest = reason.partition(": ")
    verdict, _, detail = rest.partition("; ")
    return cluster, verdict, detail


def _parts(verdict: str, detail: str) -> tuple[str, str, str]:
    """(why it was left out — "" when chosen —, its room, its priority) from one reason line
    (engine/placement/capacity.choose_clusters writes them)."""
    detail, _, priority = detail.partition("; priority ")
    room, sep, why = detail.partition("): ")
    room = room + ")" if sep else room
    if verdict != "chosen" and not why:
        why = verdict.removeprefix("not chosen: ")
    return why, room, priority


# the scheduler's reasons, in the few words the pane's row has room for
_SHORT_WHY = (("insufficient", "no room"), ("taint", "taint"), ("nodeSelector", "selector"),
              ("no Ready", "no ready node"), ("no nodes known", "not synced"), ("more room", "less room"),
              ("needs room", "no room"))


def short_why(why: str) -> str:
    return next((short for needle, short in _SHORT_WHY if needle in why), why)


def decision_text(decisions: Mapping[str, Mapping[str, Any]], palette: Palette) -> Text:
    """Every policy's decision: its summary, then a line per cluster, chosen first, each
    with why it was left out (taint, selector, no room) and the room it had."""
    out = Text()
    for policy, d in sorted(decisions.items()):
        if out:
            out.append("\n")
        out.append(f"{d.get('type', 'placement')} {policy}: ", style="bold")
        out.append(str(d.get("summary") or ""))
        for reason in d.get("reasons") or []:
            cluster, verdict, detail = _verdict(str(reason))
            out.append("\n  ")
            if d.get("type") == "replica-split":
                out.append(f"{MARKERS['healthy']} {cluster}", style=palette.health("healthy"))
                out.append(f"  {verdict}")
                continue
            why, room, priority = _parts(verdict, detail)
            word = "healthy" if verdict == "chosen" else "degraded"
            out.append(f"{MARKERS[word]} {cluster}", style=palette.health(word))
            out.append("  chosen" if verdict == "chosen" else f"  skipped: {why}",
                       style="" if verdict == "chosen" else palette.degraded)
            out.append(f"  {room}" + (f"; priority {priority}" if priority not in ("", "0") else ""),
                       style=palette.muted)
    return out


def decision_short(decisions: Mapping[str, Mapping[str, Any]]) -> str:
    """`placed on idc-beijing; 3 skipped: no room, taint, selector` for the pane's row."""
    parts = []
    for _policy, d in sorted(decisions.items()):
        if d.get("type") == "replica-split":
            shares = d.get("replicas") or {}
            parts.append("split " + ", ".join(f"{c}={n}" for c, n in shares.items()))
            continue
        chosen = list(d.get("clusters") or [])
        others = [_verdict(str(r)) for r in d.get("reasons") or []]
        whys = [short_why(_parts(verdict, detail)[0]) for _, verdict, detail in others if verdict != "chosen"]
        line = "placed on " + (", ".join(chosen) or "-")
        if whys:
            line += f"; {len(whys)} skipped: " + ", ".join(dict.fromkeys(whys))
        parts.append(line)
    return "; ".join(parts)
