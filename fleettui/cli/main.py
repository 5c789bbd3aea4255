"""The `fleettui` command: the dashboard by default, headless subcommands otherwise.

Each subcommand lives in its own module under `fleettui.cli.commands` and exposes
`register(subparsers, parents)`; this module discovers them, so adding a command
never means editing a shared list.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import traceback
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
                        help="dashboard: the hub context (default: the fleet file's hub, else a context named hub)")
    parser.add_argument("--theme", metavar="NAME", default=argparse.SUPPRESS,
                        help="dashboard: theme name (themes/ and the user theme folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub, parents)
    return parser


class _StderrLines(logging.Handler):
    """`fleettui: warning: ...` on whatever sys.stderr is at the time (pytest and the
    dashboard swap it). Without a handler, logging's last resort would print the bare
    message, next to the line the command prints itself."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(f"fleettui: {record.levelname.lower()}: {record.getMessage()}\n")
        except Exception:  # logging must never be the thing that crashes the command
            self.handleError(record)


def _setup_logging(verbose: bool) -> None:
    root = logging.getLogger()
    for h in [h for h in root.handlers if isinstance(h, _StderrLines)]:
        root.removeHandler(h)
    handler = _StderrLines()
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)


def _stdout_gone() -> int:
    """The reader of our stdout went away (`| head`): as Python's docs recommend,
    point stdout at devnull so the interpreter's final flush does not raise again,
    and exit as a process killed by SIGPIPE would (128 + 13)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass
    return 141


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = bool(getattr(args, "verbose", False))
    _setup_logging(verbose)
    handler = getattr(args, "handler", None)
    # The one place --read-only/--watch take effect, for every command: the writers
    # (kube guard, fleet-file writer, store transactions) consult this policy.
    with mode.session_mode(read_only=bool(opt(args, "read_only", False)),
                           watch=bool(opt(args, "watch", False))):
        try:
            if handler is None:
                from fleettui.cli.dashboard import run_dashboard

                code = run_dashboard(args)
            else:
                code = int(handler(args) or 0)
            sys.stdout.flush()
            return code
        except CliError as exc:
            print(f"fleettui: {exc}", file=sys.stderr)
            if verbose and exc.detail:
                print(exc.detail, file=sys.stderr)
            return exc.exit_code
        except mode.WriteRefused as exc:
            # a cluster error would read "<cluster>: ... (ReadOnly)": the refusal's own
            # sentence (which names the cluster) starts with "read-only mode:" instead
            print(f"fleettui: {getattr(exc, 'message', None) or exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return _stdout_gone()
        except Exception as exc:
            # every command opens the cache somewhere; its errors (permissions, a damaged
            # file held open elsewhere) are the user's to fix, and say how: one line here
            from fleettui.store.db import StoreError

            if isinstance(exc, StoreError):
                print(f"fleettui: {exc}", file=sys.stderr)
                return 1
            # the one safety net: whatever slipped through is one line, not a traceback
            print(f"fleettui: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            if verbose:
                traceback.print_exc()
            else:
                print("fleettui: run with -v for the traceback", file=sys.stderr)
            return 70  # EX_SOFTWARE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
