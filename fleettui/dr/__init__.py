"""Disaster recovery: what breaks if a cluster, a zone or a region fails, and
the resilience score — pure analysis over store rows (no network), so it is
instant on screen and the same in the CLI, the TUI and a CI pipeline."""

from fleettui.dr.model import Domain, DomainError, EndpointRow, Inventory
from fleettui.dr.score import FleetScore, score
from fleettui.dr.whatif import WhatIf, what_if

__all__ = ["Domain", "DomainError", "EndpointRow", "FleetScore", "Inventory", "WhatIf", "score", "what_if"]
