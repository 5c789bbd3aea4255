"""The cache as a file: who may use it, who holds it open, and whether it is still there.

Nothing here ever opens the database file or its `-wal`/`-shm` companions:
closing *any* descriptor of a file drops every POSIX lock this process holds on
it, including those of our own open SQLite connections (sqlite.org/howtocorrupt.html,
2.2). Everything is decided from `stat`, `access` and `/proc/locks`.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

PERMISSION_HINT = "use --cache PATH or fix the permissions"


def companions(path: Path) -> tuple[Path, Path]:
    """The WAL and the shared-memory index SQLite keeps next to a WAL-mode database."""
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def describe(path: Path) -> str:
    """What a permission problem is about: 'mode 0400, owner uid 1001'."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return f"mode {stat.S_IMODE(st.st_mode):04o}, owner uid {st.st_uid}"


def _denied(verb: str, what: str, path: Path) -> str:
    return f"cannot {verb} {what} {path}: permission denied ({describe(path)}); {PERMISSION_HINT}"


def access_problem(path: Path, *, write: bool) -> str | None:
    """Why this user cannot use the cache at `path` (None: it can).

    A file we may read but not write is not damaged: it is somebody's decision
    (another user's cache, a `chmod 400`), so it is reported and left alone.
    SQLite in WAL mode also creates `-wal`/`-shm` next to the file, so a writer
    needs the directory too unless they exist already and are writable.
    """
    directory = path.parent
    if not os.access(directory, os.X_OK):
        return _denied("enter", "the cache directory", directory)
    if path.exists():
        if not os.access(path, os.R_OK):
            return _denied("read", "the cache", path)
        if not write:
            return None
        if not os.access(path, os.W_OK):
            return _denied("write", "the cache", path)
        for side in companions(path):
            if side.exists() and not os.access(side, os.R_OK | os.W_OK):
                return _denied("write", "the cache's", side)
        if all(side.exists() for side in companions(path)):
            return None
    if write and not os.access(directory, os.W_OK):
        return _denied("write in", "the cache directory", directory)
    return None


def readable(path: Path) -> bool:
    """The cache exists and this user may read it (whether or not it may write it)."""
    return path.exists() and access_problem(path, write=False) is None


def holders(path: Path) -> set[int] | None:
    """Processes holding POSIX locks on the database or its `-shm` (None: cannot tell).

    Every SQLite connection in WAL mode keeps a read lock on the `-shm` file for
    as long as it is open, so a lock there means a live user of these files; its
    WAL may hold the only copy of recent commits. Read from `/proc/locks` (Linux)
    because asking with fcntl would mean opening the file.
    """
    inodes = set()
    for p in (path, companions(path)[1]):
        try:
            st = os.stat(p)
        except OSError:
            continue
        inodes.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    if not inodes:
        return set()
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    pids: set[int] = set()
    for line in lines:
        fields = line.split()
        # "1: POSIX  ADVISORY  READ 7332 fe:00:2149720 128 128"; blocked waiters start with "->"
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            pid = int(fields[4])
            major, minor, ino = fields[5].split(":")
            key = (int(major, 16), int(minor, 16), int(ino))
        except ValueError:
            continue
        if key in inodes:
            pids.add(pid)
    return pids


@dataclass
class FileWatch:
    """Notices that the file a store has open is no longer the file at its path.

    Deleting or replacing the cache under a running dashboard leaves its
    connections on an unlinked inode: it would go on showing "synced 0s ago"
    from a file nobody else can see. Truncation keeps the inode but loses the
    pages; SQLite never shrinks the file in normal use (no VACUUM, no
    auto_vacuum here), so a shrink is somebody else's doing.
    """

    path: Path
    device: int
    inode: int
    size: int
    problem: str | None = None

    @classmethod
    def of(cls, path: Path) -> FileWatch:
        st = os.stat(path)
        return cls(path, st.st_dev, st.st_ino, st.st_size)

    def check(self) -> str | None:
        """The problem with the file, once found it stays found (the store is on the old file)."""
        if self.problem is not None:
            return self.problem
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self.problem = f"the cache file {self.path} was deleted"
            return self.problem
        except OSError:
            return None  # a transient stat failure is not evidence of anything
        if (st.st_dev, st.st_ino) != (self.device, self.inode):
            self.problem = f"the cache file {self.path} was replaced by another file"
        elif st.st_size < self.size:
            self.problem = f"the cache file {self.path} was truncated ({self.size} → {st.st_size} bytes)"
        else:
            self.size = st.st_size
        return self.problem
