"""Rule sets: one PrometheusRule, carried by a KubeVela Application, a variant per cluster.

The Application is plain KubeVela (a `k8s-objects` component whose first object is the
PrometheusRule, topology policies, override policies with a `json-patch` trait), so a
real KubeVela hub runs the same file. What fleettui adds is the *address*: a json-patch
path may name a group and a rule instead of counting them,
`/spec/groups/fleet.rules/rules/KubePodCrashLooping/for`. Before rendering (and before
anything is stored) each such operation becomes the indexed one preceded by a `test`
of the rule's name, so the shipped Application is valid RFC 6902 and a reordered rule
list makes the patch fail loudly instead of changing the wrong rule.

The variant a cluster gets is the engine's own render (`engine.render.render_step`) of
the last deploy step that places it: the workflow runs its steps in order, so that is
what the cluster ends up holding.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from fleettui.config import yamlfile
from fleettui.config.errors import ConfigError
from fleettui.engine.errors import AppInvalid, Problem
from fleettui.engine.model import API_VERSION, Application
from fleettui.engine.render import MemberCluster, all_policies_of, render_step
from fleettui.engine.validate import parse_application

RULE_API = "monitoring.coreos.com/v1"
RULE_KIND = "PrometheusRule"


class RuleSetError(Exception):
    """The file is not a rule set; the message names the file, and line:column when known."""


@dataclass(frozen=True)
class RuleSet:
    """One rule set: the normalised Application (what ships) and the rule as authored."""

    document: dict[str, Any]
    app: Application
    component: str  # the k8s-objects component carrying the PrometheusRule
    rule: dict[str, Any]  # the base PrometheusRule, before any override

    @property
    def name(self) -> str:
        return f"{self.app.namespace}/{self.app.name}"

    @property
    def rule_key(self) -> tuple[str, str]:
        meta = self.rule.get("metadata") or {}
        return meta.get("namespace") or self.app.namespace, meta.get("name") or ""


@dataclass(frozen=True)
class Variant:
    """What one cluster receives: the rendered PrometheusRule, the step that places it and
    the override policies that shaped it (empty: the base)."""

    cluster: str
    rule: dict[str, Any]
    step: str
    overrides: tuple[str, ...] = ()
    changes: tuple[tuple[str, Any, Any], ...] = field(default=())  # (path, base, variant)

    @property
    def label(self) -> str:
        return "base" if not self.changes else "+".join(self.overrides) or "override"


def yaml_documents(text: str, *, source: str) -> list[Any]:
    """The documents of a YAML stream; a syntax error names line *and* column."""
    try:
        return [d for d in yamlfile.load_all(text, source=source) if d is not None]
    except ConfigError as exc:
        if not exc.detail.startswith("not valid YAML"):
            raise RuleSetError(str(exc)) from exc
        try:  # events only: nothing is constructed, so no alias can expand here
            for _ in yaml.parse(text):
                pass
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            if mark is not None:
                problem = getattr(err, "problem", None) or str(err)
                raise RuleSetError(f"{source}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}") from exc
        raise RuleSetError(str(exc)) from exc


def load(text: str, *, source: str = "<input>", clusters: Sequence[str] | None = None,
         selector: Mapping[str, str] | None = None) -> list[RuleSet]:
    """Every rule set in a file: Applications as they are, bare PrometheusRules wrapped in
    one (topology: `clusters`, else `selector`, else every member)."""
    docs = yaml_documents(text, source=source)
    if not docs:
        raise RuleSetError(f"{source}: no Application or PrometheusRule document found")
    out = []
    for i, doc in enumerate(docs):
        where = f"{source} (document {i + 1})" if len(docs) > 1 else source
        if not isinstance(doc, dict):
            raise RuleSetError(f"{where}: expected an Application or a PrometheusRule, got {type(doc).__name__}")
        if doc.get("kind") == RULE_KIND:
            doc = wrap(doc, clusters=clusters, selector=selector)
        elif clusters or selector:
            raise RuleSetError(f"{where}: --clusters/--selector apply to a bare PrometheusRule; "
                               "an Application picks its clusters with its topology policies")
        out.append(from_document(doc, source=where))
    return out


def wrap(rule: dict[str, Any], *, clusters: Sequence[str] | None = None,
         selector: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A bare PrometheusRule as the Application fleettui distributes it."""
    meta = m if isinstance(m := rule.get("metadata"), dict) else {}
    name = str(meta.get("name") or "rules")
    topology: dict[str, Any] = {"clusters": list(clusters)} if clusters else {
        "clusterLabelSelector": dict(selector or {})}
    return {"apiVersion": API_VERSION, "kind": "Application",
            "metadata": {"name": name, "namespace": meta.get("namespace") or "monitoring"},
            "spec": {"components": [{"name": name, "type": "k8s-objects",
                                     "properties": {"objects": [copy.deepcopy(rule)]}}],
                     "policies": [{"name": "topology", "type": "topology", "properties": topology}]}}


def from_document(doc: dict[str, Any], *, source: str = "<input>") -> RuleSet:
    """Validate (the engine's rules, plus: one PrometheusRule first in a k8s-objects
    component) and resolve rule names in override paths."""
    found = _rule_component(doc)
    if found is None:
        raise RuleSetError(f"{source}: no k8s-objects component whose first object is a "
                           f"{RULE_API} {RULE_KIND}")
    component, rule = found
    try:
        normalised = resolve_rule_paths(doc, component, rule)
        app = parse_application(normalised)
    except AppInvalid as exc:
        raise RuleSetError(f"{source}: {exc}") from exc
    return RuleSet(normalised, app, component, copy.deepcopy(rule))


def _rule_component(doc: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for comp in (doc.get("spec") or {}).get("components") or []:
        if not isinstance(comp, dict) or comp.get("type") != "k8s-objects":
            continue
        objects = (comp.get("properties") or {}).get("objects") or []
        if objects and isinstance(objects[0], dict) and objects[0].get("kind") == RULE_KIND \
                and objects[0].get("apiVersion") == RULE_API:
            return str(comp.get("name")), objects[0]
    return None


def _split(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")] if path.startswith("/") else []


def _join(parts: Sequence[str]) -> str:
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def rule_path(rule: dict[str, Any], path: str) -> tuple[str, list[dict[str, Any]]]:
    """An indexed JSON pointer for `path`, plus the `test` operations that pin each name
    it resolved. ValueError when a named group or rule does not exist."""
    parts = _split(path)
    out: list[str] = []
    node: Any = rule
    tests: list[dict[str, Any]] = []
    for depth, part in enumerate(parts):
        if isinstance(node, list) and not (part.isdigit() or part == "-"):
            key = "name" if out[-1:] == ["groups"] else None
            matches = [i for i, item in enumerate(node) if isinstance(item, dict)
                       and (item.get(key) == part if key else part in (item.get("alert"), item.get("record")))]
            if not matches:
                what = "group" if key else "rule"
                raise ValueError(f"{path}: no {what} named {part!r}")
            index = str(matches[0])
            field_name = key or ("alert" if node[matches[0]].get("alert") == part else "record")
            tests.append({"op": "test", "path": _join([*out, index, field_name]), "value": part})
            part = index
        out.append(part)
        if depth < len(parts) - 1:
            try:
                node = node[int(part)] if isinstance(node, list) else node.get(part) if isinstance(node, dict) else None
            except (ValueError, IndexError):
                node = None
    return _join(out), tests


def resolve_rule_paths(doc: dict[str, Any], component: str, rule: dict[str, Any]) -> dict[str, Any]:
    """The Application with every name-addressed json-patch path of an override on the
    rule's component turned into an indexed one guarded by `test` operations."""
    doc = copy.deepcopy(doc)
    problems: list[Problem] = []
    for pi, policy in enumerate((doc.get("spec") or {}).get("policies") or []):
        if not isinstance(policy, dict) or policy.get("type") != "override":
            continue
        for ci, comp in enumerate((policy.get("properties") or {}).get("components") or []):
            if not isinstance(comp, dict) or comp.get("name") not in (None, component):
                continue
            for ti, trait in enumerate(comp.get("traits") or []):
                if not isinstance(trait, dict) or trait.get("type") != "json-patch":
                    continue
                ops, resolved = (trait.get("properties") or {}).get("operations") or [], []
                for oi, op in enumerate(ops):
                    if not isinstance(op, dict) or not isinstance(op.get("path"), str):
                        resolved.append(op)
                        continue
                    try:
                        path, tests = rule_path(rule, op["path"])
                    except ValueError as exc:
                        problems.append(Problem(f"spec.policies[{pi}].properties.components[{ci}].traits[{ti}]"
                                                f".properties.operations[{oi}].path", str(exc)))
                        continue
                    resolved += [t for t in tests if t not in resolved] + [{**op, "path": path}]
                trait.setdefault("properties", {})["operations"] = resolved
    if problems:
        meta = doc.get("metadata") or {}
        raise AppInvalid(f"{meta.get('namespace', 'default')}/{meta.get('name', '')}", problems)
    return doc


def variants(ruleset: RuleSet, fleet: Sequence[MemberCluster]) -> list[Variant]:
    """Each cluster's PrometheusRule as the engine would ship it (fleet order)."""
    app, out = ruleset.app, {}
    overrides = {p.name for p in app.policies if p.type == "override"}
    base = _spec(ruleset.rule)
    for step, policies in zip(_deploy_steps(app), all_policies_of(app), strict=True):
        for pl in render_step(app, policies, fleet, revision="render"):
            rule = next((m.object for m in pl.manifests if m.object.get("kind") == RULE_KIND), None)
            if rule is None:
                continue
            used = tuple(p for p in policies if p in overrides)
            out[pl.cluster] = Variant(pl.cluster, rule, step, used, tuple(_diff(base, _spec(rule))))
    order = [m.name for m in fleet]
    return sorted(out.values(), key=lambda v: order.index(v.cluster))


def _deploy_steps(app: Application) -> list[str]:
    return [s.name for step in app.workflow_steps() for s in (step, *step.sub_steps) if s.type == "deploy"]


def _spec(rule: dict[str, Any]) -> dict[str, Any]:
    return rule.get("spec") or {}


def _diff(base: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    from fleettui.engine.render import override_diff

    return override_diff(base, new, path)


def rule_names(rule: dict[str, Any]) -> list[str]:
    return [r.get("alert") or r.get("record") or "" for g in _spec(rule).get("groups") or []
            for r in g.get("rules") or [] if isinstance(r, dict)]


def add_override(doc: dict[str, Any], *, name: str, rule: str, field_name: str, value: Any,
                 clusters: Sequence[str] | None = None, selector: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Application with one per-cluster (or per-selector) difference written for the
    user: a topology and an override policy named `name`, and a deploy step placing them
    after the base one (later steps win, so those clusters end with this variant).
    `value` None disables the rule (removes it)."""
    if not clusters and not selector:
        raise ValueError("an override needs clusters or a selector")
    found = _rule_component(doc)
    if found is None:
        raise ValueError("not a rule set: no PrometheusRule component")
    component, base = found
    group = next((g.get("name") for g in _spec(base).get("groups") or []
                  if any(rule in (r.get("alert"), r.get("record")) for r in g.get("rules") or [])), None)
    if group is None:
        raise ValueError(f"no rule named {rule!r}")
    doc = copy.deepcopy(doc)
    spec = doc.setdefault("spec", {})
    app = parse_application(resolve_rule_paths(doc, component, base))
    if not (spec.get("workflow") or {}).get("steps"):
        spec["workflow"] = {"steps": [{"name": s.name, "type": s.type, "properties": dict(s.properties)}
                                      for s in app.workflow_steps()]}
    where = f"/spec/groups/{group}/rules/{rule}"
    op = {"op": "remove", "path": where} if value is None else {"op": "add", "path": f"{where}/{field_name}",
                                                                  "value": value}
    policies = spec.setdefault("policies", [])
    topo = f"{name}-clusters"
    policies[:] = [p for p in policies if p.get("name") not in (name, topo)]
    policies.append({"name": topo, "type": "topology", "properties": {"clusters": list(clusters)} if clusters
                     else {"clusterLabelSelector": dict(selector or {})}})
    policies.append({"name": name, "type": "override", "properties": {"components": [
        {"name": component, "traits": [{"type": "json-patch", "properties": {"operations": [op]}}]}]}})
    steps = spec["workflow"]["steps"]
    steps[:] = [s for s in steps if s.get("name") != f"deploy-{name}"]
    steps.append({"name": f"deploy-{name}", "type": "deploy", "properties": {"policies": [name, topo]}})
    return doc


def canary_first(ruleset: RuleSet, placed: Sequence[Variant], canary: str | None = None, *,
                 message: str | None = None) -> dict[str, Any]:
    """The rule set's Application rolled out canary-first, as the distribute dialog does
    for apps (`engine.compose.canary_gate`): the canary's own variant first, a suspend
    gate, then the workflow as it was. The canary defaults to the first cluster that gets
    the base, so the gate judges the rule set as authored. Its later steps re-apply the
    same variant to the canary: an apply of what it holds changes nothing."""
    from fleettui.engine.compose import canary_gate

    if not placed:
        raise ValueError("canary-first: the rule set places no cluster")
    chosen = next((v for v in placed if v.cluster == canary), None) if canary else \
        next((v for v in placed if v.label == "base"), placed[0])
    if chosen is None:
        raise ValueError(f"canary-first: the rule set does not place {canary!r}")
    doc = copy.deepcopy(ruleset.document)
    spec = doc.setdefault("spec", {})
    app = ruleset.app
    # the declared steps as written (step-groups and all), or KubeVela's generated ones
    steps = list((spec.get("workflow") or {}).get("steps") or []) or [
        {"name": s.name, "type": s.type, "properties": copy.deepcopy(dict(s.properties))}
        for s in app.workflow_steps()]
    topologies = {p.name for p in app.policies if p.type == "topology"}
    shaping = next((p for s, p in zip(_deploy_steps(app), all_policies_of(app), strict=True) if s == chosen.step), [])
    taken = {p.name for p in app.policies} | {s["name"] for s in steps}
    policy, gate = canary_gate(chosen.cluster, [p for p in shaping if p not in topologies],
                               topology=_free("canary", taken), deploy_step=_free("deploy-canary", taken),
                               gate_step=_free("gate", taken), message=message or
                               f"rule set on its canary {chosen.cluster}: check its alerts, then resume")
    spec.setdefault("policies", []).append(policy)
    spec["workflow"] = {**(spec.get("workflow") or {}), "steps": [*gate, *steps]}
    return doc


def _free(name: str, taken: set[str]) -> str:
    n, out = 1, name
    while out in taken:
        n += 1
        out = f"{name}-{n}"
    return out
