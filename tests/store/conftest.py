"""Running store code as a user without root's privileges, so permission bits count.

CI runs as root, and root reads and writes any file whatever its mode. The
checks that must see "permission denied" therefore run in a subprocess: as
`nobody` when the tests run as root, as ourselves otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fleettui.cli.main import main
from fleettui.store import Store, StoreError

NOBODY = 65534

async def _open(path: Path, fallback: bool) -> dict:
    try:
        store = await Store.open(path, read_only_fallback=fallback)
    except StoreError as exc:
        return {"error": str(exc), "type": type(exc).__name__}
    try:
        return {"clusters": [c.name for c in await store.clusters()], "read_only": store.read_only,
                "recovered_from": str(store.recovered_from) if store.recovered_from else None}
    finally:
        await store.close()


@dataclass
class Unprivileged:
    """A directory and a way to run the store as a user that permission bits stop."""

    uid: int
    gid: int
    home: Path

    def give(self, *paths: Path) -> None:
        """Make files/directories belong to that user (only needed when we are root)."""
        for p in paths:
            os.chown(p, self.uid, self.gid)

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in a forked child that first drops to this user; its result must
        be JSON. A fork, not a new interpreter: that user may not be able to exec ours
        (it lives under /root on CI)."""
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never return into pytest
            code = 1
            try:
                os.close(read_end)
                if os.geteuid() != self.uid:
                    os.setgroups([])
                    os.setgid(self.gid)
                    os.setuid(self.uid)
                os.write(write_end, json.dumps(fn(*args)).encode())
                code = 0
            except BaseException:  # a traceback is a failure the parent reports
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as f:
            data = f.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the child raised (see its traceback above)"
        return json.loads(data)

    def open_store(self, path: Path, *, read_only_fallback: bool = False) -> dict:
        return self.run(lambda: asyncio.run(_open(path, read_only_fallback)))

    def cli(self, *argv: str) -> dict:
        """`fleettui ARGV` as that user: exit code, stdout, stderr."""

        def call() -> dict:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = main(list(argv))
            return {"rc": rc, "out": out.getvalue(), "err": err.getvalue()}

        return self.run(call)


@pytest.fixture
def unprivileged() -> Iterator[Unprivileged]:
    # not under tmp_path: pytest makes that 0700 for root, so nobody could not enter it
    home = Path(tempfile.mkdtemp(prefix="fleettui-perm-"))
    os.chmod(home, 0o755)
    user = Unprivileged(NOBODY, NOBODY, home) if os.geteuid() == 0 else Unprivileged(os.getuid(), os.getgid(), home)
    try:
        yield user
    finally:
        for root, dirs, _files in os.walk(home):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(home, ignore_errors=True)
