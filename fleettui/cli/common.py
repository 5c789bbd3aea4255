"""Options and output shared by every subcommand, so they mean the same everywhere."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

import yaml


class CliError(Exception):
    """An error to print on stderr (prefixed `fleettui:`) with a non-zero exit."""

    def __init__(self, message: str, exit_code: int = 1, *, detail: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.detail = detail  # the full text behind a summarised message, shown with -v


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
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="full error texts, log messages and tracebacks on stderr",
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


def _number(text: str, kind: type, what: str) -> Any:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
    return value


def positive_int(text: str) -> int:
    """argparse type: N >= 1 (a concurrency of 0 would wait forever)."""
    value = _number(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = _number(text, int, "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    value = _number(text, float, "a number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = _number(text, float, "a number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def port(text: str) -> int:
    """argparse type: a TCP port, 0 meaning "any free port"."""
    value = _number(text, int, "a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {value}")
    return value


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


SUMMARY_LIMIT = 200


def summarize(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """A long server message (a 422 listing every field, from every cluster) cut to its
    first cause + "…"; the full text is in `-v` and the events view."""
    text = str(text)
    first = text.split("\n", 1)[0]
    head, sep, causes = first.partition(" is invalid: ")
    if sep:  # the apiserver's aggregate: `Kind "name" is invalid: [a: why, b: why]`
        inner = causes[1:] if causes.startswith("[") else causes
        cause = inner.split(", ", 1)[0].rstrip("]")
        first = f"{head}{sep}{cause}" + (" …" if len(cause) < len(inner.rstrip("]")) else "")
    if len(first) > limit:
        first = first[: limit - 2].rstrip() + " …"
    elif first != text and not first.endswith("…"):
        first += " …"
    return first


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
