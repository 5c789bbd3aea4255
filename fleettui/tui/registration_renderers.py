"""Rows of the registration screen (clustersets, placements, pending CSRs): pure functions
of `engine.registration.RegistrationView`, palette passed in. A state is always a marker
and a word, so NO_COLOR and monochrome still read."""

from __future__ import annotations

from rich.text import Text

from fleettui.engine.membership import JoinRequest
from fleettui.engine.registration import ClusterSetRow, PlacementView
from fleettui.tui.renderers import Palette

Cells = tuple[Text, ...]

CLUSTERSET_COLUMNS = (("set", "CLUSTERSET"), ("selector", "SELECTS BY"), ("count", "#"), ("members", "MEMBERS"))
PLACEMENT_COLUMNS = (("placement", "NAMESPACE/PLACEMENT"), ("cluster", "CLUSTER"), ("decision", "DECISION"),
                     ("why", "WHY"))
PENDING_COLUMNS = (("cluster", "CLUSTER"), ("accepted", "ACCEPTED"), ("csr", "CSR"), ("state", "STATE"),
                   ("requestor", "REQUESTOR"), ("created", "CREATED"))


def clusterset_cells(row: ClusterSetRow, palette: Palette) -> Cells:
    members = Text(", ".join(row.members)) if row.members else Text("(empty)", style=palette.muted)
    return (Text(row.name, style="bold"), Text(row.selector, style=palette.muted), Text(str(len(row.members))),
            members)


def placement_rows(view: PlacementView, palette: Palette) -> list[tuple[str, Cells]]:
    """A heading row for the placement (its sets, how many it wants, satisfied or not),
    then one row per cluster it chose and per member of its sets it left out, with why."""
    ok = view.satisfied == "True"
    want = "all" if view.requested is None else str(view.requested)
    state = Text.assemble(("● " if ok else "▲ ", palette.healthy if ok else palette.degraded),
                          f"{len(view.decisions)} of {want} chosen")
    sets = ", ".join(view.clustersets) or "no set bound"
    why = Text(f"sets: {sets}")
    if not ok and view.message:
        why.append(f"; {view.message}", style=palette.degraded)
    rows: list[tuple[str, Cells]] = [(view.key, (Text(view.key, style="bold"), Text(""), state, why))]
    for cluster, reason in view.decisions:
        rows.append((f"{view.key}>{cluster}", (Text(""), Text(cluster), Text("✔ chosen", style=palette.healthy),
                                               Text(reason))))
    for cluster, reason in view.left_out:
        rows.append((f"{view.key}>{cluster}", (Text(""), Text(cluster, style=palette.muted),
                                               Text("- left out", style=palette.muted), Text(reason))))
    return rows


def pending_cells(row: JoinRequest, palette: Palette) -> Cells:
    accepted = Text("yes", style=palette.healthy) if row.accepted else Text("no", style=palette.degraded)
    state = row.csr_state or "no CSR yet"
    style = palette.degraded if state == "pending" else palette.unhealthy if state == "denied" else palette.muted
    return (Text(row.cluster, style="bold"), accepted, Text(row.csr or "-"), Text(state, style=style),
            Text(row.requestor or "-", style=palette.muted), Text(row.created or "-", style=palette.muted))


def pending_key(row: JoinRequest) -> str:
    return f"{row.cluster}/{row.csr or ''}"
