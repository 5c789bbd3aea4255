"""Options and output shared by every subcommand, so they mean the same everywhere."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

import yaml


class CliError(Exception):
    """An error to print on stderr (prefixed `fleettui:`) with a non-zero exit."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def global_options_parser() -> argparse.ArgumentParser:
    """The global options, accepted before or after the subcommand name."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("global options")
    g.add_argument(
        "--kubeconfig",
        default=argparse.SUPPRESS,
        help="kubeconfig file(s), ':'-separated like KUBECONFIG (default: $KUBECONFIG or ~/.kube/config)",
    )
    g.add_argument(
        "--context",
        action="append",
        default=argparse.SUPPRESS,
        metavar="GLOB",
        help="only these kubeconfig contexts (glob, repeatable; default: all)",
    )
    g.add_argument(
        "--fleet",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="fleet file (default: $XDG_CONFIG_HOME/fleettui/fleet.yaml)",
    )
    g.add_argument(
        "--cache",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="SQLite cache file (env FLEETTUI_CACHE; default: $XDG_CACHE_HOME/fleettui/cache.db)",
    )
    g.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS,
        help="change nothing: refuse every write to a cluster, the fleet file or the "
        "applications in the cache",
    )
    g.add_argument(
        "--watch",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read-only (as --read-only) for every command; the dashboard also refreshes "
        "by itself and shows no action keys",
    )
    return p


def opt(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    """A global option's value whether it was given before or after the subcommand."""
    return getattr(args, name, default)


def cache_path_arg(args: argparse.Namespace) -> str | None:
    return opt(args, "cache") or os.environ.get("FLEETTUI_CACHE") or None


def add_output_option(parser: argparse.ArgumentParser, default: str = "table") -> None:
    parser.add_argument(
        "-o",
        "--output",
        choices=("table", "json", "yaml"),
        default=default,
        help="output format (default: %(default)s)",
    )


def format_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """kubectl-style table: upper-case headers, columns padded by three spaces."""
    cells = [[str(h).upper() for h in headers]] + [
        ["<none>" if v is None or v == "" else str(v) for v in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["   ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def emit(
    fmt: str,
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    out: TextIO | None = None,
    kind: str = "List",
) -> None:
    """Print records as a table (columns: (header, key)) or as JSON/YAML documents."""
    out = out or sys.stdout
    records = list(records)
    if fmt == "json":
        json.dump({"kind": kind, "items": records}, out, indent=2, default=str)
        out.write("\n")
    elif fmt == "yaml":
        yaml.safe_dump({"kind": kind, "items": records}, out, sort_keys=False, default_flow_style=False)
    else:
        rows = [[r.get(key) for _, key in columns] for r in records]
        out.write(format_table(rows, [h for h, _ in columns]) + "\n")
