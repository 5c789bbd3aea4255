"""`fleettui dr whatif|score`: disaster-recovery analysis from the cache, no network.

`whatif` exits 1 when a tier-1 application would not survive the failure, and
`score` when a tier-1 application fails a domain kind the policy requires, so
both can gate a CI pipeline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import TYPE_CHECKING, Any

import yaml

from fleettui.cli.common import CliError, add_output_option, cache_path_arg, format_table, opt

if TYPE_CHECKING:
    from fleettui.config.fleetfile import FleetFile
    from fleettui.dr.model import Inventory


async def _inventory(path: str, fleet: FleetFile | None) -> Inventory:
    from fleettui.dr.load import load_inventory
    from fleettui.store import Store

    store = await Store.open(path, read_only_fallback=True)
    try:
        return await load_inventory(store, fleet)
    finally:
        await store.close()


def _load(args: argparse.Namespace):
    from fleettui.config.errors import ConfigError
    from fleettui.config.fleetfile import FleetFile
    from fleettui.config.paths import cache_path, fleet_file_path
    from fleettui.store import StoreError

    path = cache_path(cache_path_arg(args))
    if not os.path.exists(path):
        raise CliError(f"no cache at {path}; run `fleettui sync --once` first")
    fleet_arg = opt(args, "fleet")
    try:
        fleet = FleetFile.load(fleet_file_path(fleet_arg), missing_ok=fleet_arg is None)
        return asyncio.run(_inventory(str(path), fleet))
    except (ConfigError, StoreError) as exc:
        raise CliError(str(exc)) from exc


def _emit(fmt: str, kind: str, record: Any, sections: list[tuple[str, list[str], list[list[str]]]],
          footer: str) -> None:
    if fmt == "json":
        json.dump({"kind": kind, **record}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif fmt == "yaml":
        yaml.safe_dump({"kind": kind, **record}, sys.stdout, sort_keys=False, allow_unicode=True)
    else:
        for title, headers, rows in sections:
            print(title)
            print(format_table(rows, headers) if rows else "  (nothing affected)")
            print()
        print(footer)


def run_whatif(args: argparse.Namespace) -> int:
    from fleettui.dr import Domain, DomainError, what_if
    from fleettui.dr.report import whatif_record, whatif_text
    from fleettui.engine.selectors import SelectorError

    kind, name = next((k, getattr(args, k)) for k in ("cluster", "zone", "region") if getattr(args, k))
    inv = _load(args)
    try:
        result = what_if(inv, Domain(kind, name))
    except DomainError as exc:
        raise CliError(str(exc)) from exc
    except SelectorError as exc:
        raise CliError(f"fleet file: resilience.tier1: {exc}") from exc
    failures = result.tier1_failures
    footer = (f"✖ FAIL: {len(failures)} tier-1 application(s) would not survive: "
              + ", ".join(a.key for a in failures)) if failures else \
        f"✔ ok: every tier-1 application survives the loss of {result.domain}"
    _emit(args.output, "WhatIf", whatif_record(result), whatif_text(result), footer)
    return 1 if failures else 0


def run_score(args: argparse.Namespace) -> int:
    from fleettui.dr import score
    from fleettui.dr.report import score_headers, score_records, score_rows
    from fleettui.engine.selectors import SelectorError

    inv = _load(args)
    try:
        result = score(inv)
    except SelectorError as exc:
        raise CliError(f"fleet file: resilience.tier1: {exc}") from exc
    record = {"summary": result.summary, "policy": {"survive": result.policy, "domains": list(inv.policy.domains)},
              "applications": score_records(result)}
    _emit(args.output, "ResilienceScore", record,
          [("Resilience (survives the loss of any one …)", score_headers(result), score_rows(result))],
          result.summary)
    return 1 if result.failing else 0


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("dr", parents=parents, help="disaster recovery: what-if and resilience score (cache only)",
                              description="What breaks if a cluster, zone or region fails, and whether each "
                              "application survives the loss of any one of each. Reads only the cache.")
    sub = p.add_subparsers(dest="dr_command", metavar="COMMAND", required=True)
    w = sub.add_parser("whatif", parents=parents, help="impact of one failure (exit 1: a tier-1 app would not survive)")
    group = w.add_mutually_exclusive_group(required=True)
    group.add_argument("--cluster", metavar="C", help="the cluster that fails")
    group.add_argument("--zone", metavar="Z", help="the zone (centre) that fails: its nodes in every cluster")
    group.add_argument("--region", metavar="R", help="the region that fails: every cluster in it")
    add_output_option(w)
    w.set_defaults(handler=run_whatif)
    s = sub.add_parser("score", parents=parents,
                       help="applications x {any cluster, zone, region} (exit 1: a tier-1 app fails the policy)")
    add_output_option(s)
    s.set_defaults(handler=run_score)
