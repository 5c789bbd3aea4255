"""The `fleettui` command: the dashboard by default, headless subcommands otherwise.

Each subcommand lives in its own module under `fleettui.cli.commands` and exposes
`register(subparsers, parents)`; this module discovers them, so adding a command
never means editing a shared list.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from fleettui import __version__
from fleettui.cli import commands
from fleettui.cli.common import CliError, global_options_parser, opt
from fleettui.config import mode


def build_parser() -> argparse.ArgumentParser:
    parents = [global_options_parser()]
    parser = argparse.ArgumentParser(
        prog="fleettui",
        description="A terminal control plane for fleets of Kubernetes clusters. "
        "Without a subcommand, opens the dashboard.",
        parents=parents,
    )
    parser.add_argument("--version", action="version", version=f"fleettui {__version__}")
    # dashboard-only options (owned by the TUI; see fleettui/cli/dashboard.py)
    parser.add_argument("--hub", metavar="CONTEXT", default=argparse.SUPPRESS,
                        help="dashboard: the hub context (default: the fleet file's hub)")
    parser.add_argument("--theme", metavar="NAME", default=argparse.SUPPRESS,
                        help="dashboard: theme name (themes/ and the user theme folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub, parents)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    # The one place --read-only/--watch take effect, for every command: the writers
    # (kube guard, fleet-file writer, store transactions) consult this policy.
    with mode.session_mode(read_only=bool(opt(args, "read_only", False)),
                           watch=bool(opt(args, "watch", False))):
        try:
            if handler is None:
                from fleettui.cli.dashboard import run_dashboard

                return run_dashboard(args)
            return int(handler(args) or 0)
        except CliError as exc:
            print(f"fleettui: {exc}", file=sys.stderr)
            return exc.exit_code
        except mode.WriteRefused as exc:
            # a cluster error would read "<cluster>: ... (ReadOnly)": the refusal's own
            # sentence (which names the cluster) starts with "read-only mode:" instead
            print(f"fleettui: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
