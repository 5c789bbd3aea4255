"""What the rule editor runs on save, before anything is written anywhere: the text parsed
(YAML errors with line:column), each rule set's variant per member cluster, and the
offline checks (schema, `promtool check rules`) on every variant — the same steps as
`fleettui rules check` without the live part."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fleettui.alerts import checks, rulesets
from fleettui.alerts.rulesets import RuleSet, Variant
from fleettui.engine.errors import EngineError
from fleettui.engine.render import MemberCluster


@dataclass(frozen=True)
class EditCheck:
    rulesets: tuple[RuleSet, ...] = ()
    variants: tuple[tuple[RuleSet, tuple[Variant, ...]], ...] = ()
    findings: tuple[checks.Finding, ...] = ()
    error: str | None = None  # the text is not a rule set at all

    @property
    def ok(self) -> bool:
        return self.error is None and not any(f.level == "error" for f in self.findings)

    def problems(self) -> list[str]:
        return [self.error] if self.error else [str(f) for f in self.findings]


def check_text(text: str, fleet: Sequence[MemberCluster], *, source: str,
               promtool: str | None = None) -> EditCheck:
    """Blocking (promtool is a subprocess): run it in a thread."""
    try:
        sets = rulesets.load(text, source=source)
        placed = tuple((rs, tuple(rulesets.variants(rs, fleet))) for rs in sets)
    except (rulesets.RuleSetError, EngineError) as exc:
        return EditCheck(error=str(exc))
    findings = [f for _, vs in placed for f in checks.offline(vs, promtool=promtool)]
    return EditCheck(tuple(sets), placed, tuple(findings))
