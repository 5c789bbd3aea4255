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
# a placement's heading row, then its clusters indented under it: two columns, so the
# reasons have the width even at 80 columns
PLACEMENT_COLUMNS = (("name", "PLACEMENT / CLUSTER"), ("why", "DECISION, WHY"))
PENDING_COLUMNS = (("cluster", "CLUSTER"), ("state", "CSR STATE"), ("csr", "CSR"), ("accepted", "ACCEPTED"),
                   ("created", "CREATED"), ("requestor", "REQUESTOR"))


def clusterset_cells(row: ClusterSetRow, palette: Palette) -> Cells:
    members = Text(", ".join(row.members)) if row.members else Text("(empty)", style=palette.muted)
    return (Text(row.name, style="bold"), Text(row.selector, style=palette.muted), Text(str(len(row.members))),
            members)


def placement_rows(view: PlacementView, palette: Palette) -> list[tuple[str, Cells]]:
    """A heading row for the placement (how many chosen of how many wanted, satisfied or
    not, its sets), then one row per cluster it chose and per other member of its sets
    it left out, each with why."""
    ok = view.satisfied == "True"
    want = "all" if view.requested is None else str(view.requested)
    head = Text.assemble(("● " if ok else "▲ ", palette.healthy if ok else palette.degraded),
                         f"{len(view.decisions)} of {want} chosen, sets: {', '.join(view.clustersets) or 'none bound'}")
    if not ok and view.message:
        head.append(f" ({view.message})", style=palette.degraded)
    rows: list[tuple[str, Cells]] = [(view.key, (Text(view.key, style="bold"), head))]
    for cluster, reason in view.decisions:
        rows.append((f"{view.key}>{cluster}", (Text.assemble("  ", ("✔ ", palette.healthy), cluster),
                                               Text(f"chosen: {reason}"))))
    for cluster, reason in view.left_out:
        rows.append((f"{view.key}>{cluster}", (Text(f"  - {cluster}", style=palette.muted),
                                               Text(f"left out: {reason}", style=palette.muted))))
    return rows


def pending_cells(row: JoinRequest, palette: Palette) -> Cells:
    accepted = Text("yes", style=palette.healthy) if row.accepted else Text("no", style=palette.degraded)
    state = row.csr_state or "no CSR yet"
    style = palette.degraded if state == "pending" else palette.unhealthy if state == "denied" else palette.muted
    return (Text(row.cluster, style="bold"), Text(state, style=style), Text(row.csr or "-"), accepted,
            Text(row.created or "-", style=palette.muted), Text(row.requestor or "-", style=palette.muted))


def pending_key(row: JoinRequest) -> str:
    return f"{row.cluster}/{row.csr or ''}"
