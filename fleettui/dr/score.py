"""The resilience score: does each application survive the loss of any one
cluster, any one zone ("centre"), any one region? Two-region-three-centre means
surviving one zone and one region.

A cell passes when the application keeps the policy's healthy replicas whichever
single domain of that kind fails; otherwise its reason names the worst domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from fleettui.config.dr_policy import DOMAIN_KINDS
from fleettui.dr.model import AppSite, Domain, Inventory, resolve
from fleettui.dr.whatif import app_survival, is_tier1


@dataclass(frozen=True)
class ScoreCell:
    kind: str  # cluster | zone | region
    survives: bool
    reason: str  # the worst domain of that kind, or how many were checked
    worst: str | None = None


@dataclass(frozen=True)
class AppScore:
    namespace: str
    name: str
    tier1: bool
    cells: tuple[ScoreCell, ...]
    required: tuple[str, ...]  # kinds the policy asks of a tier-1 app

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def passes(self) -> bool:
        return all(c.survives for c in self.cells if c.kind in self.required)

    def cell(self, kind: str) -> ScoreCell:
        return next(c for c in self.cells if c.kind == kind)


@dataclass(frozen=True)
class FleetScore:
    apps: tuple[AppScore, ...]
    kinds: tuple[str, ...]
    policy: str

    @property
    def tier1(self) -> tuple[AppScore, ...]:
        return tuple(a for a in self.apps if a.tier1)

    @property
    def failing(self) -> tuple[AppScore, ...]:
        return tuple(a for a in self.tier1 if not a.passes)

    def by_kind(self, kind: str) -> tuple[int, int]:
        """(tier-1 apps that survive any one domain of this kind, tier-1 apps)."""
        return sum(1 for a in self.tier1 if a.cell(kind).survives), len(self.tier1)

    @property
    def summary(self) -> str:
        parts = [f"{kind} {ok}/{n}" for kind in self.kinds for ok, n in [self.by_kind(kind)]]
        return (f"{len(self.tier1) - len(self.failing)}/{len(self.tier1)} tier-1 applications pass "
                f"({', '.join(parts)}; survive = {self.policy})")


def _cell(app: AppSite, inv: Inventory, kind: str, failures) -> ScoreCell:
    if not failures:
        return ScoreCell(kind, False, f"no {kind} known in the cache")
    worst: tuple[int, int, str] | None = None
    for failure in failures:
        desired, _before, _lost, remaining = app_survival(app, inv, failure)
        kept = sum(remaining.values())
        if worst is None or kept < worst[0]:
            worst = (kept, desired, failure.domain.name)
    assert worst is not None  # failures is not empty
    kept, desired, name = worst
    needed = inv.policy.needed(desired)
    if kept >= needed and desired > 0:
        return ScoreCell(kind, True, f"any of {len(failures)}: at least {kept} left (needs {needed})", name)
    return ScoreCell(kind, False, f"losing {kind} {name} leaves {kept} of {desired} (needs {needed})", name)


def score(inv: Inventory) -> FleetScore:
    failures = {kind: [resolve(inv, Domain(kind, d)) for d in inv.domains(kind)] for kind in DOMAIN_KINDS}
    apps = []
    for app in sorted(inv.apps, key=lambda a: a.key):
        if not app.workloads:
            continue
        cells = tuple(_cell(app, inv, kind, failures[kind]) for kind in DOMAIN_KINDS)
        apps.append(AppScore(app.namespace, app.name, is_tier1(app, inv), cells, inv.policy.domains))
    return FleetScore(tuple(apps), DOMAIN_KINDS, inv.policy.describe())
