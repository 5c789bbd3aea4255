"""Pure renderers for the alerts pane: an `AlertView` → table rows (palette passed in).

Group headers, "alerts unknown since" lines and "alert pipeline broken" lines are rows
of the same table with their own key prefixes, so the table stays one keyed diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from fleettui.alerts.consistency import PIPELINE_BROKEN, WATCHDOG
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
