"""`fleettui rules render|check|preview|apply|status`: alert rule sets, checked before they ship.

A rule set is a KubeVela Application carrying a PrometheusRule (or a bare
PrometheusRule with `--clusters` / `--selector`); docs/alerts.md has the shape.
`apply` runs every check first and writes nothing anywhere when one fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

import yaml

from fleettui.cli.common import CliError, add_output_option, emit, opt

PREVIEW_COLUMNS = (("cluster", "cluster"), ("variant", "variant"), ("rule", "rule"), ("would fire", "would_fire"),
                   ("now", "now"), ("history", "sparkline"))
PLAN_COLUMNS = (("cluster", "cluster"), ("variant", "variant"), ("rules", "rules"), ("would fire", "would_fire"),
                ("firing now", "firing_now"), ("change", "change"))


@dataclass
class Target:
    """One member as the rule commands need it."""

    name: str
    context: str | None
    labels: dict[str, str]
    prometheus: str | None


def _labels_arg(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, eq, value = part.partition("=")
        if not eq or not key:
            raise argparse.ArgumentTypeError(f"{part!r}: expected key=value")
        out[key.strip()] = value.strip()
    return out


def _load(args: argparse.Namespace) -> list[Any]:
    from fleettui.alerts import rulesets
    from fleettui.config import yamlfile
    from fleettui.config.errors import ConfigError

    try:
        text = yamlfile.read_text(args.file, what="rule file")
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    clusters = [c for c in (args.clusters or "").split(",") if c] or None
    try:
        return rulesets.load(text, source=args.file, clusters=clusters, selector=args.selector)
    except rulesets.RuleSetError as exc:
        raise CliError(str(exc)) from exc


async def _targets(args: argparse.Namespace) -> tuple[Any, list[Target]]:
    from fleettui.cli.commands.app import _kubeconfig
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import fleet_file_path
    from fleettui.sync.discovery import discover_members

    kubeconfig = _kubeconfig(args)
    try:
        fleet = FleetFile.load(fleet_file_path(opt(args, "fleet")), missing_ok=True)
        members = await discover_members(kubeconfig, fleet, opt(args, "context"), read_only=True,
                                         hub_context=opt(args, "hub"), request_timeout=5.0)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    for problem in members.errors:
        print(f"fleettui: warning: {problem}", file=sys.stderr)
    return kubeconfig, [Target(m.name, m.context, dict(m.labels), m.prometheus_url) for m in members]


def _variants(ruleset: Any, targets: list[Target]) -> list[Any]:
    from fleettui.alerts import rulesets
    from fleettui.engine.errors import EngineError
    from fleettui.engine.render import MemberCluster

    try:
        return rulesets.variants(ruleset, [MemberCluster(t.name, t.labels) for t in targets])
    except EngineError as exc:
        raise CliError(str(exc)) from exc


def _prom(targets: list[Target]) -> Any:
    from fleettui.prom import FleetPrometheus
    from fleettui.prom import Target as PromTarget

    return FleetPrometheus([PromTarget(t.name, t.prometheus.rstrip("/")) for t in targets if t.prometheus])


async def _check(ruleset: Any, targets: list[Target], *, live: bool = True) -> tuple[list[Any], list[Any], Any, Any]:
    """(variants, findings, facts, prom): offline then live; the caller closes prom."""
    from fleettui.alerts import checks
    from fleettui.alerts import live as live_checks

    variants = _variants(ruleset, targets)
    prom = _prom(targets)
    facts = await live_checks.server_facts(prom, [v.cluster for v in variants if v.cluster in prom.targets])
    versions = {c: f.version for c, f in facts.items()}
    findings = await asyncio.to_thread(checks.offline, variants, versions=versions)
    if live and not any(f.level == "error" for f in findings):
        live_variants = [v for v in variants if v.cluster in facts]
        findings += await live_checks.live_findings(prom, live_variants, facts)
    for v in variants:
        if v.cluster not in prom.targets:
            findings.append(checks.Finding("warning", v.cluster, "", "no Prometheus in the fleet file "
                                           "(`prometheus:`): live checks skipped"))
    return variants, findings, facts, prom


def _print_findings(ruleset: Any, findings: list[Any]) -> None:
    for f in findings:
        print(f"{ruleset.name}: {f}")


async def _render_cmd(args: argparse.Namespace) -> int:
    sets = _load(args)
    _, targets = await _targets(args)
    docs = []
    for rs in sets:
        for v in _variants(rs, targets):
            if args.cluster and v.cluster != args.cluster:
                continue
            docs.append({"cluster": v.cluster, "variant": v.label, "step": v.step,
                         "changes": [{"path": p, "base": a, "variant": b} for p, a, b in v.changes],
                         "rule": v.rule})
    if args.cluster and not docs:
        raise CliError(f"no rule set places anything on cluster {args.cluster!r}")
    if args.output == "json":
        json.dump(docs, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for d in docs:
            print(f"# cluster {d['cluster']}: {d['variant']} (step {d['step']})")
            for c in d["changes"]:
                print(f"#   {c['path']}: {c['base']!r} -> {c['variant']!r}")
            sys.stdout.write(yaml.safe_dump(d["rule"], sort_keys=False) + "---\n")
    return 0


async def _check_cmd(args: argparse.Namespace) -> int:
    sets = _load(args)
    _, targets = await _targets(args)
    errors = 0
    for rs in sets:
        _, findings, _, prom = await _check(rs, targets)
        prom.close()
        _print_findings(rs, findings)
        errors += sum(f.level == "error" for f in findings)
        if not findings:
            print(f"{rs.name}: ok")
    if errors:
        raise CliError(f"{errors} error(s): nothing was written")
    return 0


def _window(args: argparse.Namespace) -> float | None:
    from fleettui.alerts.promql import duration_seconds

    if not args.window:
        return None
    try:
        return duration_seconds(args.window)
    except ValueError as exc:
        raise CliError(f"--window: {exc}") from exc


async def _preview_cmd(args: argparse.Namespace) -> int:
    from fleettui.alerts import live

    sets = _load(args)
    _, targets = await _targets(args)
    window = _window(args)
    records = []
    for rs in sets:
        variants = _variants(rs, targets)
        prom = _prom(targets)
        try:
            facts = await live.server_facts(prom, [v.cluster for v in variants if v.cluster in prom.targets])
            rows = await live.preview(prom, variants, facts, window=window)
        finally:
            prom.close()
        for r in rows:
            rec = {"ruleset": rs.name, **r.record()}
            rec["now"] = "-" if r.error else ("firing" if r.firing_now else "pending" if r.pending_now else "")
            if args.output == "table":
                rec["would_fire"] = "?" if r.error else r.count
                rec["sparkline"] = r.error or r.sparkline
            records.append(rec)
    emit(args.output, records, PREVIEW_COLUMNS, kind="RulePreviewList")
    return 0


async def _deployed(kubeconfig: Any, targets: list[Target], ruleset: Any, variants: list[Any]) -> dict[str, Any]:
    """Each cluster's current PrometheusRule of this set (None: absent; an exception: unknown)."""
    from fleettui.alerts.status import deployed_rules

    return await deployed_rules(kubeconfig, {t.name: t.context for t in targets}, ruleset, variants)


async def _apply_cmd(args: argparse.Namespace) -> int:
    from fleettui.alerts import live, plan
    from fleettui.cli.commands.app import follow, open_hub
    from fleettui.config import mode
    from fleettui.engine.errors import EngineError

    # refuse before the checks (minutes of queries) in a read-only process; the hub's
    # store transaction is the choke point that refuses anyway
    mode.require_writable("apply a rule set")
    sets = _load(args)
    kubeconfig, targets = await _targets(args)
    checked = []
    failed = 0
    for rs in sets:
        variants, findings, facts, prom = await _check(rs, targets)
        try:
            _print_findings(rs, findings)
            if any(f.level == "error" for f in findings):
                failed += sum(f.level == "error" for f in findings)
                continue
            previews = await live.preview(prom, variants, facts, window=_window(args))
        finally:
            prom.close()
        rows = plan.plan(variants, previews, await _deployed(kubeconfig, targets, rs, variants))
        print(f"plan for {rs.name}:")
        emit("table", [r.record() for r in rows], PLAN_COLUMNS)
        checked.append(rs)
    if failed:
        raise CliError(f"{failed} error(s): nothing was written to any cluster")
    async with open_hub(args) as hub:
        code = 0
        for rs in checked:
            try:
                res = await hub.apply(rs.document)
            except EngineError as exc:
                raise CliError(str(exc)) from exc
            print(f"application.core.oam.dev/{res.name} {res.action}")
            if not args.no_wait:
                code |= await follow(hub, res.namespace, res.name, verbose=bool(opt(args, "verbose")))
        return code


STATUS_COLUMNS = (("rule set", "ruleset"), ("cluster", "cluster"), ("variant", "variant"), ("state", "state"),
                  ("detail", "detail"))


async def _hub_rulesets(args: argparse.Namespace) -> list[Any]:
    """Every rule set the hub holds: its applications that carry a PrometheusRule."""
    from fleettui.alerts import rulesets
    from fleettui.cli.commands.app import open_hub

    out = []
    async with open_hub(args, engine=False) as hub:
        for row in await hub.list():
            doc = await hub.get(row.namespace, row.name)
            if doc is None:
                continue
            try:
                out.append(rulesets.from_document(doc, source=f"{row.namespace}/{row.name}"))
            except rulesets.RuleSetError:
                continue  # an application that carries no PrometheusRule is not a rule set
    return out


async def gather_status(args: argparse.Namespace) -> list[Any]:
    """Every rule set (the file's, or the hub's with --all) × every cluster: consistency cells.
    The dashboard's matrix calls it too, so the two cannot disagree."""
    from fleettui.alerts import status
    from fleettui.alerts.alertmanager import Alertmanager
    from fleettui.cli.commands.alerts import alert_sources

    sets = _load(args) if opt(args, "file") else await _hub_rulesets(args)
    if not sets:
        raise CliError("the hub holds no rule set (an Application carrying a PrometheusRule)")
    kubeconfig, targets = await _targets(args)
    _, am_url = alert_sources(args)
    placed = [(rs, _variants(rs, targets)) for rs in sets]
    prom = _prom(targets)
    try:
        return await status.gather_cells(kubeconfig, {t.name: t.context for t in targets}, placed, prom,
                                         Alertmanager(am_url) if am_url else None)
    finally:
        prom.close()


async def _status_cmd(args: argparse.Namespace) -> int:
    from fleettui.alerts import consistency

    if bool(args.file) == bool(args.all):
        raise CliError("rules status: give a rule file or --all (every rule set the hub holds)")
    cells = await gather_status(args)
    records = [c.record() for c in cells]
    if args.output == "table":
        records = [r for r in records if r["state"] != consistency.NOT_PLACED]
    emit(args.output, records, STATUS_COLUMNS, kind="RuleStatusList")
    bad = [c for c in cells if c.state not in (consistency.IN_SYNC, consistency.NOT_PLACED)]
    if bad:
        print(f"fleettui: {len(bad)} of {len(cells)} rule set × cluster cells not in sync", file=sys.stderr)
        return 1
    return 0


def _file_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="an Application carrying a PrometheusRule, or a bare PrometheusRule ('-': stdin)")
    p.add_argument("--clusters", metavar="A,B", help="bare PrometheusRule: the clusters it goes to")
    p.add_argument("--selector", metavar="K=V,...", type=_labels_arg,
                   help="bare PrometheusRule: the cluster labels it goes to (default: every member)")
    p.add_argument("--hub", metavar="CONTEXT", help=argparse.SUPPRESS)


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    from fleettui.cli.commands.app import NO_WAIT_HELP, run

    rules = subparsers.add_parser("rules", parents=parents, help="alert rule sets: render, check, preview, apply",
                                  description="Alert rule sets (PrometheusRule in a KubeVela Application), "
                                  "checked per cluster before they ship.")
    sub = rules.add_subparsers(dest="rules_command", metavar="COMMAND", required=True)

    p = sub.add_parser("render", parents=parents, help="each cluster's variant of the rule set")
    _file_args(p)
    p.add_argument("--cluster", help="only this cluster's variant")
    p.add_argument("-o", "--output", choices=("yaml", "json"), default="yaml")
    p.set_defaults(handler=run(_render_cmd))

    p = sub.add_parser("check", parents=parents,
                       help="offline (schema, promtool, version cut-offs) and live checks of every variant")
    _file_args(p)
    p.set_defaults(handler=run(_check_cmd))

    p = sub.add_parser("preview", parents=parents, help="backtest: how often each rule would have fired, per cluster")
    _file_args(p)
    p.add_argument("--window", metavar="DURATION", help="how far back (default: as far as data goes, up to 24h)")
    add_output_option(p)
    p.set_defaults(handler=run(_preview_cmd))

    p = sub.add_parser("status", parents=parents,
                       help="defined vs deployed vs loaded, per rule set × cluster (exit 1 unless all in sync)")
    p.add_argument("file", nargs="?", help="a rule file (or --all: every rule set the hub holds)")
    p.add_argument("--all", action="store_true", help="every rule set the hub holds")
    p.add_argument("--clusters", metavar="A,B", help="bare PrometheusRule: the clusters it goes to")
    p.add_argument("--selector", metavar="K=V,...", type=_labels_arg,
                   help="bare PrometheusRule: the cluster labels it goes to (default: every member)")
    p.add_argument("--hub", metavar="CONTEXT", help=argparse.SUPPRESS)
    add_output_option(p)
    p.set_defaults(handler=run(_status_cmd))

    p = sub.add_parser("apply", parents=parents, help="check, plan, then distribute through the hub")
    _file_args(p)
    p.add_argument("--window", metavar="DURATION", help="backtest window of the plan (default: all data, up to 24h)")
    p.add_argument("--no-wait", action="store_true", help=NO_WAIT_HELP)
    p.set_defaults(handler=run(_apply_cmd))
