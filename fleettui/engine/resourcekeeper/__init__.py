"""The resource keeper: everything the engine does to member-cluster objects, cut as
KubeVela's `pkg/resourcekeeper` cuts it — dispatch (apply a placement), delete, garbage
collect (what the current revision no longer places) and state keeping (drift repair),
plus reading back the health of what was placed.

One keeper per engine, built with the fleet and the records it writes to; the deploy
step and the engine's passes call it, nothing reaches inside it. It shares one
concurrency limit across all of that, so a deploy and a drift check together never
hold more than `concurrency` clusters' worth of requests in flight.
"""

from fleettui.engine.resourcekeeper.keeper import SKIPPED, ResourceKeeper
from fleettui.engine.resourcekeeper.statekeep import DriftReport, StateTarget

__all__ = ["SKIPPED", "DriftReport", "ResourceKeeper", "StateTarget"]
