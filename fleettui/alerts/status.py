"""Gathering what `consistency.cell` judges: per cluster, the PrometheusRule objects of
the rule sets and their Events (kube, read-only), that cluster's Prometheus
`/api/v1/rules` and `/api/v1/alerts` (FleetPrometheus), and the Alertmanager's alerts.

One client per cluster, every cluster at once; a cluster or server that does not answer
is that cluster's cells' state, never the command's failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from fleettui.alerts.alertmanager import Alertmanager, AlertmanagerError
from fleettui.alerts.consistency import Cell, ClusterFacts, cell
from fleettui.alerts.rulesets import RuleSet, Variant
from fleettui.prom import FleetPrometheus

RULE_API = ("monitoring.coreos.com/v1", "PrometheusRule")


async def _cluster_objects(kubeconfig: Any, cluster: str, context: str | None,
                           keys: Sequence[tuple[str, str]], *, request_timeout: float,
                           with_events: bool = True) -> dict[tuple[str, str], Any]:
    """(namespace, name) -> (object | None | exception, its events)."""
    from fleettui.kube import ClusterClient, errors

    if not context:
        err = RuntimeError("no kubeconfig context")
        return {k: (err, []) for k in keys}
    client = ClusterClient.from_kubeconfig(kubeconfig, context=context, name=cluster, read_only=True,
                                           timeout=request_timeout)
    out: dict[tuple[str, str], Any] = {}
    try:
        try:
            rules = await client.resource(*RULE_API)
            events_res = await client.resource("v1", "Event")
        except errors.KubeError as exc:
            return {k: (exc, []) for k in keys}
        events: dict[str, list[dict[str, Any]] | BaseException] = {}
        for ns, name in keys:
            try:
                obj = await client.get(rules, name, namespace=ns)
            except errors.KubeError as exc:
                out[(ns, name)] = (exc, [])
                continue
            if obj is None:
                out[(ns, name)] = (None, [])
                continue
            if not with_events:
                out[(ns, name)] = (obj, [])
                continue
            if ns not in events:
                try:
                    events[ns] = list((await client.list(events_res, namespace=ns)).items)
                except errors.KubeError as exc:
                    events[ns] = exc
            evs = events[ns]
            mine = [] if isinstance(evs, BaseException) else [
                e for e in evs if (e.get("involvedObject") or {}).get("kind") == RULE_API[1]
                and (e.get("involvedObject") or {}).get("name") == name]
            out[(ns, name)] = (obj, mine)
    finally:
        await client.close()
    return out


def _names(alerts: Any, state: str = "firing") -> set[str]:
    return {str((a.get("labels") or {}).get("alertname")) for a in (alerts or [])
            if a.get("state", state) == state}


async def gather_cells(kubeconfig: Any, contexts: Mapping[str, str | None],
                       placed: Sequence[tuple[RuleSet, Sequence[Variant]]], prom: FleetPrometheus,
                       alertmanager: Alertmanager | None, *, request_timeout: float = 5.0) -> list[Cell]:
    """Every rule set × every cluster of `contexts` (fleet order)."""
    clusters = list(contexts)
    keys = list(dict.fromkeys(k for rs, vs in placed for k in _keys(rs, vs)))

    async def am_alerts() -> list[dict[str, Any]] | None:
        if alertmanager is None:
            return None
        try:
            return await alertmanager.alerts()
        except (AlertmanagerError, TimeoutError):
            return None

    objects, rules_answer, alerts_answer, am = await asyncio.gather(
        asyncio.gather(*(_cluster_objects(kubeconfig, c, contexts[c], keys, request_timeout=request_timeout) for c in clusters)),
        prom.get("/api/v1/rules", clusters=clusters),
        prom.get("/api/v1/alerts", clusters=clusters),
        am_alerts())
    by_cluster = dict(zip(clusters, objects, strict=True))
    am_by_cluster: dict[str, set[str]] = {}
    for a in am or []:
        labels = a.get("labels") or {}
        am_by_cluster.setdefault(str(labels.get("cluster")), set()).add(str(labels.get("alertname")))
    out = []
    for rs, variants in placed:
        by_variant = {v.cluster: v for v in variants}
        for c in clusters:
            v = by_variant.get(c)
            key = _variant_key(rs, v)
            live, events = by_cluster[c].get(key, (None, []))
            ra, aa = rules_answer.answers.get(c), alerts_answer.answers.get(c)
            prom_error = ra.error if ra is not None else "no Prometheus configured (fleet file `prometheus:`)"
            groups = (ra.result or {}).get("groups") if ra is not None and ra.ok and isinstance(ra.result, dict) \
                else None
            firing = _names((aa.result or {}).get("alerts")) if aa is not None and aa.ok \
                and isinstance(aa.result, dict) else None
            facts = ClusterFacts(live, tuple(events), groups, prom_error if groups is None else None, firing,
                                 None if am is None else am_by_cluster.get(c, set()))
            out.append(cell(rs.name, c, v, facts))
    return out


def _variant_key(rs: RuleSet, v: Variant | None) -> tuple[str, str]:
    if v is None:
        return rs.rule_key
    meta = v.rule.get("metadata") or {}
    return (meta.get("namespace") or rs.rule_key[0], meta.get("name") or rs.rule_key[1])


def _keys(rs: RuleSet, variants: Sequence[Variant]) -> list[tuple[str, str]]:
    return [rs.rule_key, *(_variant_key(rs, v) for v in variants)]


async def deployed_rules(kubeconfig: Any, contexts: Mapping[str, str | None], ruleset: RuleSet,
                         variants: Sequence[Variant], *, request_timeout: float = 5.0) -> dict[str, Any]:
    """What each placed cluster holds now of this rule set's PrometheusRule, for the plan's
    "change" column: the object, None (absent) or the exception that says why unknown."""
    async def one(v: Variant) -> Any:
        key = _variant_key(ruleset, v)
        got = await _cluster_objects(kubeconfig, v.cluster, contexts.get(v.cluster), [key],
                                     request_timeout=request_timeout, with_events=False)
        return got[key][0]

    return dict(zip([v.cluster for v in variants], await asyncio.gather(*(one(v) for v in variants)), strict=True))
