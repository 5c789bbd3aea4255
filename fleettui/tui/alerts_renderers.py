"""Pure renderers for the alerts pane: an `AlertView` → table rows (palette passed in).

Group headers, "alerts unknown since" lines and "alert pipeline broken" lines are rows
of the same table with their own key prefixes, so the table stays one keyed diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from fleettui.alerts.consistency import PIPELINE_BROKEN, WATCHDOG
from fleettui.alerts.history import AlertHistory, sparkline
from fleettui.alerts.view import AlertView, age
from fleettui.store.alerts import AlertRow, AlertSource
from fleettui.tui.renderers import Palette

ALERT_COLUMNS = (("severity", "SEVERITY"), ("alertname", "ALERT"), ("cluster", "CLUSTER"), ("state", "STATE"),
                 ("since", "SINCE"), ("value", "VALUE"), ("labels", "LABELS"), ("summary", "SUMMARY"))

# labels that identify a scrape or an object instance, not the problem: they make every
# row look different and push the summary off screen
NOISY_LABELS = frozenset({"alertname", "severity", "cluster", "instance", "job", "uid", "pod_template_hash",
                          "pod-template-hash", "endpoint", "service", "prometheus", "container_id", "id",
                          "image", "name"})

# marker + word, so NO_COLOR and monochrome still read
_SEVERITY = {"critical": ("✖", "unhealthy"), "error": ("✖", "unhealthy"), "warning": ("▲", "degraded"),
             "info": ("●", "progressing")}
_STATE = {"firing": "unhealthy", "pending": "degraded", "silenced": "unknown", "inhibited": "unknown"}

GROUP = "group:"  # key prefix of a group header row


def shown_labels(labels: Mapping[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in NOISY_LABELS)


def severity_text(severity: str, palette: Palette) -> Text:
    marker, health = _SEVERITY.get(severity, ("·", "unknown"))
    return Text(f"{marker} {severity or 'none'}", style=palette.health(health))


def alert_cells(a: AlertRow, now: float, palette: Palette, *, stale: bool = False) -> tuple[Text, ...]:
    since = age(now - a.active_at) if a.active_at is not None else "-"
    state = a.state + (" (stale)" if stale else "")
    return (severity_text(a.severity, palette), Text(a.alertname, style="bold"),
            Text(a.cluster, style=palette.stale if stale else ""),
            Text(state, style=palette.stale if stale else palette.health(_STATE.get(a.state, "unknown"))),
            Text(since), Text(_short_value(a.value)), Text(shown_labels(a.labels), style=palette.muted),
            Text(a.summary))


def _short_value(value: str | None) -> str:
    if value is None or value == "":
        return "-"
    try:
        return f"{float(value):.4g}"
    except ValueError:
        return value


def pipeline_broken(rows: Iterable[AlertRow], sources: Mapping[str, AlertSource],
                    clusters: Iterable[str] | None = None) -> list[str]:
    """Clusters whose Prometheus answers but whose Watchdog is not firing, in a fleet that
    runs one (some cluster's Watchdog fires): the dead-man's switch is silent there."""
    rows = list(rows)
    watching = {r.cluster for r in rows if r.alertname == WATCHDOG and r.state != "pending"}
    if not watching:
        return []
    members = set(clusters) if clusters is not None else {s for s in sources if not s.startswith("@")}
    return sorted(c for c in members if c not in watching and c in sources and sources[c].ok)


def status_lines(view: AlertView, broken: Iterable[str], now: float, palette: Palette) -> Text:
    """The counts, then what is wrong with the alert pipeline itself (a source unknown, a
    Watchdog silent): above the list, so they stay in sight on a narrow terminal."""
    firing = view.counts.get("firing", 0)
    out = Text(view.summary(), style=palette.unhealthy if firing else "")
    for u in view.unknown:
        out.append(f"\n? {u.line(now)}", style=palette.stale)
    for cluster in broken:
        out.append(f"\n✖ {cluster}: {PIPELINE_BROKEN} (its Watchdog is not firing)", style=palette.unhealthy)
    return out


def alert_rows(view: AlertView, now: float, palette: Palette) -> list[tuple[str, tuple[Text, ...]]]:
    """The table's rows: each group's header, then its alerts."""
    blank = tuple(Text() for _ in range(len(ALERT_COLUMNS) - 4))
    out = []
    for g in view.groups:
        firing = sum(1 for a in g.alerts if a.state == "firing")
        out.append((f"{GROUP}{g.key}", (Text(f"▾ {len(g.alerts)}", style="bold"), Text(g.key, style="bold underline"),
                                       Text(), Text(f"{firing} firing", style="bold"), *blank)))
        for a in g.alerts:
            out.append((f"{a.cluster}/{a.fingerprint}",
                        alert_cells(a, now, palette, stale=a.cluster in view.stale_clusters)))
    return out


def alert_heading(a: AlertRow | None, key: str, now: float, palette: Palette) -> Text:
    if a is None:
        return Text(f"alert {key}: resolved (no longer in its cluster's alerts)", style=palette.muted)
    out = severity_text(a.severity, palette)
    out.append("  ")
    out.append(a.alertname, style="bold")
    out.append(f" on {a.cluster}  ")
    out.append(a.state, style=palette.health(_STATE.get(a.state, "unknown")))
    if a.active_at is not None:
        out.append(f" for {age(now - a.active_at)}")
    return out


def alert_detail_lines(a: AlertRow) -> Text:
    out = Text()
    out.append("Labels\n", style="bold")
    for k, v in sorted(a.labels.items()):
        out.append(f"  {k}={v}\n")
    if a.annotations:
        out.append("Annotations\n", style="bold")
        for k, v in sorted(a.annotations.items()):
            out.append(f"  {k}: {v}\n")
    if a.value is not None:
        out.append(f"Value  {a.value}\n")
    if a.silenced_by:
        out.append(f"Silenced by  {', '.join(a.silenced_by)}\n")
    if a.inhibited_by:
        out.append(f"Inhibited by  {', '.join(a.inhibited_by)}\n")
    return out


def history_lines(h: AlertHistory | None, palette: Palette) -> Text:
    """The rule the alert came from and its expression over the window, crossings marked."""
    if h is None:
        return Text("querying its Prometheus…", style=palette.muted)
    out = Text()
    if h.rule is not None:
        r = h.rule
        out.append("Rule\n", style="bold")
        out.append(f"  group {r.group}  file {r.source}  for {age(r.duration) if r.duration else '0s'}")
        out.append(f"  health {r.health or 'unknown'}\n",
                   style=palette.unhealthy if r.health == "err" else "")
        if r.last_error:
            out.append(f"  last error: {r.last_error}\n", style=palette.unhealthy)
        out.append(f"  expr: {r.expr}\n")
    if h.error:
        out.append(f"{h.error}\n", style=palette.stale)
        return out
    minutes = round((h.end - h.start + h.step) / 60)
    out.append(f"Expression over the last {minutes}m (a bar where the condition held)\n", style="bold")
    out.append(f"  {sparkline(h.values)}\n", style=palette.unhealthy)
    marks = [" "] * len(h.values)
    for i in h.crossings():
        marks[i] = "▲"
    out.append(f"  {''.join(marks)}\n", style=palette.degraded)
    width = len(h.values)
    axis = f"-{minutes}m".ljust(width - 3) + "now"
    out.append(f"  {axis}\n", style=palette.muted)
    present = [v for v in h.values if v is not None]
    if present:
        out.append(f"  crossed {len(h.crossings())}× (▲); min {min(present):.4g}  max {max(present):.4g}\n")
    else:
        out.append("  the condition did not hold in this window\n", style=palette.muted)
    return out
