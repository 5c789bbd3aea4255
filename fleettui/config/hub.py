"""Which kubeconfig context is the hub: one rule for sync, the dashboard and `fleettui app`.

It lives in `config` (it needs only the kubeconfig and the fleet file) so the
dashboard can name the hub before the first frame without importing the sync.
"""

from __future__ import annotations

from typing import Any

# The context name the simulator, `fleettui demo` and the app commands have always
# taken as the hub when nothing else names one.
CONVENTIONAL_HUB_CONTEXT = "hub"


def resolve_hub(kubeconfig: Any, fleet: Any, explicit: str | None = None) -> str | None:
    """The hub context, by the one rule every command and the dashboard use:
    `--hub`, else the fleet file's `hub:`, else a kubeconfig context named `hub`.

    Without this, sync and the dashboard counted a context named `hub` as a member
    (0/0 nodes, offered as a distribution target) while the app commands treated it
    as the hub. Whether the hub is *also* a member is decided in discovery: only
    when the fleet file lists it as a cluster.
    """
    if explicit:
        return explicit
    if fleet is not None and getattr(fleet, "hub", None):
        return str(fleet.hub)
    has = getattr(kubeconfig, "has_context", None)
    if has is not None and has(CONVENTIONAL_HUB_CONTEXT):
        return CONVENTIONAL_HUB_CONTEXT
    return None
