"""The per-cluster differences of a rule set, as the editor's override form sees them:
(target → rule → field → value) rows read from and written to the Application's
override policies (`rulesets.add_override` writes them; this module lists, checks and
removes them). Works on the document as authored, so name-addressed paths stay
readable in the file the user saves."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fleettui.alerts import rulesets
from fleettui.alerts.promql import duration_seconds
from fleettui.engine.selectors import EQUALS, SelectorError, parse_selector

# what the form offers; "expr threshold" rewrites the number of expr's comparison
FIELDS = ("expr threshold", "expr", "for", "labels.severity", "disabled")
_SUFFIX = {"expr": "expr", "for": "for", "labels.severity": "labels/severity"}
_COMPARISON = re.compile(r"(?P<op>>=|<=|==|!=|>|<)(?P<bool>\s*bool)?(?P<space>\s*)"
                         r"(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\w.])")


class OverrideError(ValueError):
    """The form's input cannot be an override; the message says which field and why."""


@dataclass(frozen=True)
class Override:
    name: str  # the override policy
    clusters: tuple[str, ...]
    selector: tuple[tuple[str, str], ...] | None  # None: targeted by cluster names
    rule: str
    field: str  # one of FIELDS, or the raw path below the rule for a hand-written patch
    value: Any

    @property
    def target(self) -> str:
        if self.selector is not None:
            return ",".join(f"{k}={v}" for k, v in self.selector) or "(every cluster)"
        return ",".join(self.clusters)


def with_threshold(expr: str, threshold: str) -> str:
    """`expr` with the number of its last comparison replaced: the threshold an operator
    tunes per cluster (`rate(x[5m]) > 0.1` → `> 0.5`), without retyping the query."""
    try:
        float(threshold)
    except ValueError:
        raise OverrideError(f"threshold {threshold!r}: not a number") from None
    found = list(_COMPARISON.finditer(expr))
    if not found:
        raise OverrideError(f"expr has no comparison with a number to change ({expr!r}): override expr instead")
    m = found[-1]
    return f"{expr[:m.start('num')]}{threshold}{expr[m.end('num'):]}"


def _base(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    found = rulesets._rule_component(doc)
    if found is None:
        raise OverrideError("not a rule set: no k8s-objects component carrying a PrometheusRule")
    return found


def _rule_by(base: dict[str, Any], group: str, rule: str) -> tuple[str | None, dict[str, Any] | None]:
    groups = (base.get("spec") or {}).get("groups") or []
    g = (groups[int(group)] if group.isdigit() and int(group) < len(groups)
         else next((x for x in groups if isinstance(x, dict) and x.get("name") == group), None))
    if not isinstance(g, dict):
        return None, None
    rules = g.get("rules") or []
    r = (rules[int(rule)] if rule.isdigit() and int(rule) < len(rules)
         else next((x for x in rules if isinstance(x, dict) and rule in (x.get("alert"), x.get("record"))), None))
    return (r.get("alert") or r.get("record"), r) if isinstance(r, dict) else (None, None)


def _targets(doc: dict[str, Any], policy: str) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...] | None]:
    spec = doc.get("spec") or {}
    topologies = {p.get("name"): p.get("properties") or {} for p in spec.get("policies") or []
                  if isinstance(p, dict) and p.get("type") == "topology"}
    for step in (spec.get("workflow") or {}).get("steps") or []:
        names = (step.get("properties") or {}).get("policies") or [] if isinstance(step, dict) else []
        if policy in names:
            for n in names:
                if n in topologies:
                    props = topologies[n]
                    if props.get("clusters"):
                        return tuple(str(c) for c in props["clusters"]), None
                    return (), tuple(sorted((str(k), str(v)) for k, v in
                                            (props.get("clusterLabelSelector") or {}).items()))
    return (), None


def listing(doc: dict[str, Any]) -> list[Override]:
    """Every json-patch operation of an override policy on the rule's component, one row each."""
    component, base = _base(doc)
    out = []
    for policy in (doc.get("spec") or {}).get("policies") or []:
        if not isinstance(policy, dict) or policy.get("type") != "override":
            continue
        clusters, selector = _targets(doc, str(policy.get("name")))
        for comp in (policy.get("properties") or {}).get("components") or []:
            if not isinstance(comp, dict) or comp.get("name") not in (None, component):
                continue
            for trait in comp.get("traits") or []:
                if not isinstance(trait, dict) or trait.get("type") != "json-patch":
                    continue
                for op in (trait.get("properties") or {}).get("operations") or []:
                    row = _row(base, str(policy.get("name")), clusters, selector, op)
                    if row is not None:
                        out.append(row)
    return out


def _row(base: dict[str, Any], name: str, clusters: tuple[str, ...], selector: Any, op: Any) -> Override | None:
    if not isinstance(op, dict) or op.get("op") == "test" or not isinstance(op.get("path"), str):
        return None
    parts = rulesets._split(op["path"])
    if parts[:2] != ["spec", "groups"] or len(parts) < 5 or parts[3] != "rules":
        return Override(name, clusters, selector, "", op["path"], op.get("value"))
    rule, _ = _rule_by(base, parts[2], parts[4])
    rest = "/".join(parts[5:])
    field = ("disabled" if not rest and op.get("op") == "remove"
             else next((f for f, s in _SUFFIX.items() if s == rest), rest))
    if rest == "labels" and isinstance(op.get("value"), dict) and set(op["value"]) == {"severity"}:
        return Override(name, clusters, selector, rule or parts[4], "labels.severity", op["value"]["severity"])
    return Override(name, clusters, selector, rule or parts[4], field, op.get("value"))


def parse_target(text: str, fleet: Sequence[str]) -> tuple[list[str] | None, dict[str, str] | None]:
    """Cluster names (`a,b`) or a label selector (`env=edge,region=cn`): a topology's
    `clusterLabelSelector` is a matchLabels map, so only equality terms."""
    text = text.strip()
    if not text:
        raise OverrideError("target: give cluster names (a,b) or a label selector (k=v)")
    if "=" in text or "!" in text or " in " in f" {text} ":
        try:
            sel = parse_selector(text)
        except SelectorError as exc:
            raise OverrideError(f"target: {exc}") from None
        if not sel.requirements or any(r.op != EQUALS for r in sel.requirements):
            raise OverrideError(f"target {text!r}: a topology selects clusters by equality only (k=v,k2=v2)")
        return None, {r.key: r.values[0] for r in sel.requirements}
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in fleet]
    if unknown:
        raise OverrideError(f"target: unknown cluster{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                            f"(the fleet: {', '.join(fleet) or 'none known'})")
    return names, None


def set_override(doc: dict[str, Any], *, name: str, target: str, rule: str, field: str, value: str,
                 fleet: Sequence[str], replacing: Override | None = None) -> dict[str, Any]:
    """The document with the override `name` written (its other rules' changes kept, under
    the new target; `replacing`, the row being edited, dropped); every input checked
    first, so a mistake raises OverrideError and the document is untouched."""
    _, base = _base(doc)
    if not rule:
        raise OverrideError(f"pick a rule (rules: {', '.join(rulesets.rule_names(base))})")
    name = name.strip() or f"{rule}-{field.replace('.', '-').replace(' ', '-')}".lower()
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name):
        raise OverrideError(f"name {name!r}: lower-case letters, digits and '-' (a policy name)")
    clusters, selector = parse_target(target, fleet)
    group_rule = next(((g, r) for g in (base.get("spec") or {}).get("groups") or []
                       for r in g.get("rules") or [] if isinstance(r, dict)
                       and rule in (r.get("alert"), r.get("record"))), None)
    if not rule or group_rule is None:
        known = ", ".join(rulesets.rule_names(base))
        raise OverrideError(f"rule {rule!r}: no such rule in the set (rules: {known})")
    _, base_rule = group_rule
    if field not in FIELDS:
        raise OverrideError(f"field {field!r}: one of {', '.join(FIELDS)}")
    field_name = _SUFFIX.get(field, "")
    new: Any = value.strip()
    if field == "disabled":
        new = None
    elif not new:
        raise OverrideError(f"value: give the new {field}")
    elif field == "expr threshold":
        field_name, new = "expr", with_threshold(str(base_rule.get("expr") or ""), new)
    elif field == "for":
        try:
            duration_seconds(new)
        except ValueError:
            raise OverrideError(f"value {new!r}: not a duration (5m, 1h30m)") from None
    elif field == "labels.severity" and not isinstance(base_rule.get("labels"), dict):
        field_name, new = "labels", {"severity": new}  # add /labels/severity needs labels to exist
    if replacing is not None and replacing.name != name:
        doc = remove_override(doc, replacing.name)
    kept = [o for o in listing(doc) if o.name == name and o != replacing and o.field in FIELDS
            and not (o.rule == rule and (o.field == field or "disabled" in (o.field, field)))]
    out = rulesets.add_override(doc, name=name, rule=rule, field_name=field_name, value=new,
                                clusters=clusters, selector=selector)
    for o in kept:  # the same policy's other rules keep their changes, under the new target
        out = _append(out, name, rulesets.add_override(
            doc, name=name, rule=o.rule, field_name=_SUFFIX.get(o.field, ""),
            value=None if o.field == "disabled" else o.value, clusters=clusters, selector=selector))
    _removals_last(_ops(out, name), rulesets.rule_names(base))
    return out


def _removals_last(ops: list[dict[str, Any]], names: list[str]) -> None:
    """Names resolve against the base rule, but the patch runs in order: a removed rule
    shifts the indices after it, so removals go last, the highest index first."""
    def key(op: dict[str, Any]) -> tuple[int, int]:
        if op.get("op") != "remove":
            return 0, 0
        rule = rulesets._split(op["path"])[-1]
        return 1, -(names.index(rule) if rule in names else int(rule) if rule.isdigit() else 0)

    ops.sort(key=key)


def _ops(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    policy = next(p for p in doc["spec"]["policies"] if p.get("name") == name)
    ops: list[dict[str, Any]] = policy["properties"]["components"][0]["traits"][0]["properties"]["operations"]
    return ops


def _append(doc: dict[str, Any], name: str, other: dict[str, Any]) -> dict[str, Any]:
    _ops(doc, name).extend(_ops(other, name))
    return doc


def remove_override(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """The document without the override policy `name`: its deploy step goes when it
    deployed nothing else, and a topology that no step uses any more goes with it."""
    doc = copy.deepcopy(doc)
    spec = doc.get("spec") or {}
    policies = spec.get("policies") or []
    if not any(isinstance(p, dict) and p.get("name") == name and p.get("type") == "override" for p in policies):
        raise OverrideError(f"no override named {name!r}")
    overrides = {p.get("name") for p in policies if isinstance(p, dict) and p.get("type") == "override"}
    steps = (spec.get("workflow") or {}).get("steps") or []
    kept_steps, dropped = [], set()
    for step in steps:
        names = list((step.get("properties") or {}).get("policies") or [])
        if name not in names:
            kept_steps.append(step)
            continue
        rest = [n for n in names if n != name]
        if any(n in overrides for n in rest):  # the step still deploys another override
            kept_steps.append({**step, "properties": {**step["properties"], "policies": rest}})
        else:
            dropped.update(rest)
    if steps:
        spec["workflow"]["steps"] = kept_steps
    used = {n for s in kept_steps for n in (s.get("properties") or {}).get("policies") or []}
    spec["policies"] = [p for p in policies if p.get("name") != name
                        and not (p.get("name") in dropped and p.get("name") not in used)]
    return doc
