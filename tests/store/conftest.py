"""Running store code as a user without root's privileges, so permission bits count.

CI runs as root, and root reads and writes any file whatever its mode. The
checks that must see "permission denied" therefore run in a subprocess: as
`nobody` when the tests run as root, as ourselves otherwise.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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

    def open_store(self, path: Path, *, read_only_fallback: bool = False) -> dict:
        """Store.open in a forked child that first drops to this user (the interpreter
        may live where that user cannot exec it, e.g. under /root: no new exec)."""
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
                result = asyncio.run(_open(path, read_only_fallback))
                os.write(write_end, json.dumps(result).encode())
                code = 0
            except BaseException:  # a traceback is a failure the parent reports
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as f:
            data = f.read()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "Store.open raised something other than StoreError"
        return json.loads(data)


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
