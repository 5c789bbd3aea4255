"""`fleettui workflow resume|suspend|terminate|restart NAME -n NS [--step STEP]`:
the vela CLI's workflow operations, on the local hub or a Kubernetes hub; and
`workflow skip-cluster NAME CLUSTER`, fleettui's own: carry on without a cluster
that stays unreachable (terminate gives up on the whole workflow)."""

from __future__ import annotations

import argparse
from typing import Any

from fleettui.cli.commands.app import add_retry_option, add_target, follow, open_hub, run


def _operation(verb: str) -> Any:
    async def handler(args: argparse.Namespace) -> int:
        async with open_hub(args) as hub:
            if verb == "terminate":
                print(await hub.terminate(args.namespace, args.name))
            elif verb == "skip_cluster":
                print(await hub.skip_cluster(args.namespace, args.name, args.cluster))
            else:
                print(await getattr(hub, verb)(args.namespace, args.name, args.step))
            if verb in ("resume", "restart", "skip_cluster") and not args.no_wait:
                return await follow(hub, args.namespace, args.name, verbose=bool(getattr(args, "verbose", False)))
            return 0

    return handler


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    wf = subparsers.add_parser("workflow", parents=parents, help="operate application workflows (like vela workflow)")
    sub = wf.add_subparsers(dest="workflow_command", metavar="COMMAND", required=True)
    helps = {
        "resume": "resume a suspended workflow (all suspending steps, or --step)",
        "suspend": "suspend a running workflow (all running steps, or --step)",
        "terminate": "terminate the workflow: running and suspending steps fail",
        "restart": "run the workflow again from the start (or from --step)",
        "skip-cluster": "carry on without a cluster that does not answer (it keeps what it runs now)",
    }
    for verb, text in helps.items():
        p = sub.add_parser(verb, parents=parents, help=text)
        add_target(p)
        if verb == "skip-cluster":
            p.add_argument("cluster", help="the member cluster to skip")
        elif verb != "terminate":
            p.add_argument("--step", help="a step or sub-step name (a step-group: its suspending sub-steps)")
        if verb in ("resume", "restart", "skip-cluster"):
            add_retry_option(p)
        p.add_argument("--no-wait", action="store_true", help="return without running the workflow further")
        p.set_defaults(handler=run(_operation(verb.replace("-", "_"))))
