"""Pure renderers for the services pane: a clusterset service → table cells (palette passed in)."""

from __future__ import annotations

from rich.text import Text

from fleettui.store.services import ExportStatus, ServiceSetRow
from fleettui.tui.renderers import Palette, health_text

SERVICE_COLUMNS = (("name", "NAMESPACE/NAME"), ("health", "HEALTH"), ("type", "TYPE"), ("ports", "PORTS"),
                   ("exports", "EXPORTED BY (STATUS)"), ("imports", "IMPORTED BY"),
                   ("endpoints", "READY ENDPOINTS"), ("dns", "DNS"))

# export badge: marker + word, so NO_COLOR and monochrome still read
_BADGES = {"ok": ("●", "healthy"), "conflict": ("▲", "degraded"), "invalid": ("✖", "unhealthy"),
           "pending": ("◐", "progressing"), "unknown": ("?", "unknown")}


def export_state(e: ExportStatus) -> tuple[str, str]:
    """(badge kind, reason) of one export: the condition that matters most."""
    valid, ready, conflict = (e.conditions.get(t) or {} for t in ("Valid", "Ready", "Conflict"))
    if valid.get("status") == "False":
        return "invalid", valid.get("reason", "")
    if conflict.get("status") == "True":
        return "conflict", conflict.get("reason", "")
    if ready.get("status") == "True":
        return "ok", ready.get("reason", "")
    if ready:
        return "pending", ready.get("reason", "")
    return "unknown", ""


def export_badges(row: ServiceSetRow, palette: Palette) -> Text:
    out = Text()
    for i, e in enumerate(row.exports):
        kind, reason = export_state(e)
        marker, health = _BADGES[kind]
        if i:
            out.append(" ")
        out.append(f"{e.cluster} ", style=palette.stale if e.stale else "")
        out.append(f"{marker} {reason or kind}", style=palette.health(health))
    return out or Text("-", style=palette.muted)


def endpoints_text(row: ServiceSetRow, palette: Palette) -> Text:
    ready = row.ready_by_source()
    if not ready:
        return Text("-", style=palette.muted)
    out = Text()
    for i, (cluster, n) in enumerate(ready.items()):
        if i:
            out.append(" ")
        out.append(f"{cluster}={n}", style=palette.health("healthy" if n else "unhealthy"))
    return out


def service_cells(row: ServiceSetRow, palette: Palette) -> tuple[Text, ...]:
    return (Text(row.key), health_text(row.health, palette), Text(row.import_type),
            Text(", ".join(row.ports) or "-"), export_badges(row, palette),
            Text(", ".join(row.importing) or "-", style="" if row.importing else palette.muted),
            endpoints_text(row, palette), Text(row.dns, style=palette.muted))


def service_detail_lines(row: ServiceSetRow) -> list[str]:
    """Enter on a row: per cluster its export conditions, local Service, endpoints; then the analysis."""
    a = row.analysis
    lines = [f"{row.key}  {row.dns}", f"import: {row.import_type}  ports: {', '.join(row.ports) or '-'}"]
    for e in row.exports:
        lines.append(f"{e.cluster}{' (stale)' if e.stale else ''}:")
        for t in ("Valid", "Ready", "Conflict"):
            c = e.conditions.get(t)
            lines.append(f"  {t}: {c['status']} {c['reason']} {c['message']}".rstrip() if c else f"  {t}: ?")
        svc = row.services.get(e.cluster)
        lines.append(f"  Service: {svc.get('type')} {svc.get('cluster_ip')} {', '.join(svc.get('ports') or [])}"
                     if svc else "  Service: none in this cluster")
        eps = [s for s in row.endpoints if s.source == e.cluster]
        lines.append("  endpoints: " + (", ".join(f"{s.ready}/{s.total} ready in {s.consumer}" for s in eps)
                                        or "not imported anywhere"))
    lines.append(f"analysis: oldest export {a.winner or '-'} wins")
    lines += [f"  {c.cluster}: {c.reason}: {c.message}" for c in a.conflicts] or ["  no conflicts"]
    lines += [f"  port {p.label} only on {', '.join(p.clusters)}" for p in a.partial_ports]
    return lines


def service_matches(row: ServiceSetRow, needle: str) -> bool:
    n = needle.lower()
    return not n or n in row.key.lower() or any(n in c.lower() for c in (*row.exporting, *row.importing))
