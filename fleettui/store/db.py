"""Opening the cache file: permissions, pragmas, corruption recovery and migrations.

The cache is only a cache: when it is corrupt (SQLite says "not a database" or
"malformed", or the integrity check fails) we move it aside (so nothing is
destroyed and the operator can look at it) and build a fresh one rather than
refuse to start. Nothing else is corruption. A *busy* database is another
fleettui process writing: we wait for it (busy_timeout). A file we may not
read or write is the user's decision: an error naming the file and its mode,
and the file stays as it is. A corrupt file that another process still holds
open is left in place too: its WAL may hold that process's only copy.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiosqlite

from fleettui.store import cachefile

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000

# SQLite primary result codes that mean "this file is not a database". CANTOPEN,
# IOERR, PERM and READONLY are about access to a file, not its content.
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class StoreError(Exception):
    """The cache cannot be used and cannot be rebuilt (say why; never a traceback)."""


class CachePermissionError(StoreError):
    """This user may not read (or write) the cache; the file was left untouched."""


class CorruptCache(Exception):
    """Internal: the file at hand is not a usable database."""


async def scalar(conn: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The first column of the row a statement always returns (a PRAGMA, the row just
    written in the same transaction); none means the file changed under us."""
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    if row is None:
        raise StoreError(f"cache: no row for {sql.split(' FROM ')[0]}")
    return row[0]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Every `NNNN_name.sql` in `directory`, in order; a gap or a duplicate is a bug."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.iterdir()):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            continue
        version = int(m.group(1))
        if version in found:
            raise StoreError(f"two migrations numbered {version}: {found[version].name}, {path.name}")
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    versions = sorted(found)
    if versions != list(range(1, len(versions) + 1)):
        raise StoreError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return [found[v] for v in versions]


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (so they can run inside one explicit transaction;
    `executescript` would commit first). `complete_statement` keeps triggers whole;
    comment lines between statements are dropped."""
    statements: list[str] = []
    buf: list[str] = []
    for line in sql.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf.append(line)
        if sqlite3.complete_statement("".join(buf)):
            statements.append("".join(buf).strip())
            buf = []
    if buf:
        statements.append("".join(buf).strip())
    return statements


def _is_corruption(exc: BaseException) -> bool:
    if isinstance(exc, CorruptCache):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT_CODES
    # Older messages without codes: match the words SQLite uses.
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def prepare_file(path: Path) -> None:
    """Create the directory (0700) and the file (0600) before SQLite does, so the
    cache is never world-readable, not even for an instant; WAL/SHM files inherit
    the database file's mode. Existing files only lose group/other bits: a
    user's `chmod 400` is theirs to keep."""
    # Never open() an existing cache file ourselves: closing *any* descriptor of a
    # file drops every POSIX lock this process holds on it, including those of our
    # own open SQLite connections (the reader/writer pair, the TUI's sync thread).
    # Another process would then believe it is the last user and delete the WAL
    # under us (sqlite.org/howtocorrupt.html, 2.2). Only a file that does not exist
    # yet is created here; modes are fixed with chmod, which opens nothing.
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for p in (path, *cachefile.companions(path)):
        try:
            mode = p.stat().st_mode & 0o777
            if mode & 0o077:
                os.chmod(p, mode & 0o700)
        except OSError:  # gone meanwhile, or not ours to change
            pass


def move_aside(path: Path, *, now: datetime | None = None) -> Path:
    """Rename the unusable cache (and its WAL/SHM files) to `<name>.corrupt-<UTC stamp>`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    try:
        os.replace(path, target)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreError(f"cache {path} is unusable and could not be moved aside: {exc}") from exc
    return target


async def connect(path: Path, *, read_only: bool = False) -> aiosqlite.Connection:
    """One connection with the pragmas every connection needs; autocommit mode so
    transactions are explicit (BEGIN IMMEDIATE for writers). `read_only` opens
    with `mode=ro`, for a cache this user may read but not write."""
    if read_only:
        uri = "file:" + quote(str(path)) + "?mode=ro"
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    else:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
    try:
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if read_only:
            await conn.execute("PRAGMA query_only = ON")
            return conn
        cur = await conn.execute("PRAGMA journal_mode = WAL")
        row = await cur.fetchone()
        if row is None or str(row[0]).lower() != "wal":
            raise CorruptCache(f"could not switch {path} to WAL (journal_mode={row})")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        return conn
    except BaseException:
        await conn.close()
        raise


async def check_integrity(conn: aiosqlite.Connection) -> None:
    cur = await conn.execute("PRAGMA quick_check(1)")
    row = await cur.fetchone()
    if row is None or row[0] != "ok":
        raise CorruptCache(f"integrity check failed: {row[0] if row else 'no answer'}")


async def migrate(conn: aiosqlite.Connection, migrations: list[Migration]) -> int:
    """Apply the migrations this file lacks, each in its own write transaction.

    The version is re-read after taking the write lock, so two processes opening
    a fresh cache at once apply each migration exactly once.
    """
    latest = migrations[-1].version if migrations else 0
    while True:
        current = await scalar(conn, "PRAGMA user_version")
        if current > latest:
            raise StoreError(
                f"cache schema version {current} is newer than this fleettui knows ({latest}); "
                "use a newer fleettui or another --cache"
            )
        if current == latest:
            return current
        await conn.execute("BEGIN IMMEDIATE")
        try:
            current = await scalar(conn, "PRAGMA user_version")
            todo = [m for m in migrations if m.version > current]
            if todo:
                m = todo[0]
                for stmt in split_statements(m.sql):
                    await conn.execute(stmt)
                await conn.execute(f"PRAGMA user_version = {m.version}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise


def _mkdir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except PermissionError as exc:
        missing = path.parent
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        raise CachePermissionError(
            f"cannot create the cache directory {missing}: permission denied "
            f"({cachefile.describe(missing.parent)}); {cachefile.PERMISSION_HINT}"
        ) from exc
    except OSError as exc:
        raise StoreError(f"cannot create the cache directory {path.parent}: {exc}") from exc


def _not_corrupt(path: Path, exc: BaseException) -> StoreError:
    """An error opening the cache that says nothing about its content (access, I/O)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, PermissionError) or (
        code is not None and (code & 0xFF) in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY,
                                               sqlite3.SQLITE_CANTOPEN)
    ):
        return CachePermissionError(
            f"cannot use the cache {path}: {exc} ({cachefile.describe(path)}); {cachefile.PERMISSION_HINT}"
        )
    return StoreError(f"cannot open the cache {path}: {exc}")


def _in_use_error(path: Path, exc: BaseException) -> StoreError | None:
    """Refuse to move a corrupt cache aside while some process (this one too) has it open."""
    pids = cachefile.holders(path)
    if pids is None:  # cannot tell: a leftover -shm is then taken as a live user
        pids = {0} if cachefile.companions(path)[1].exists() else set()
    if not pids:
        return None
    who = ", ".join(f"pid {p}" for p in sorted(pids) if p) or "another process"
    return StoreError(
        f"the cache {path} is damaged ({exc}) but still open in {who}; it was left in place. "
        "Close that fleettui (the dashboard rebuilds its cache) or use --cache PATH"
    )


async def _open_read_only(path: Path, migrations: list[Migration]) -> aiosqlite.Connection:
    conn = await connect(path, read_only=True)
    try:
        await check_integrity(conn)
        version = await scalar(conn, "PRAGMA user_version")
        latest = migrations[-1].version if migrations else 0
        if version != latest:
            raise StoreError(
                f"the cache {path} is read-only here ({cachefile.describe(path)}) and has schema "
                f"version {version}, this fleettui needs {latest}; {cachefile.PERMISSION_HINT}"
            )
        return conn
    except StoreError:
        await conn.close()
        raise
    except (sqlite3.DatabaseError, CorruptCache) as exc:
        await conn.close()
        if _is_corruption(exc):
            raise StoreError(f"the cache {path} is damaged ({exc}) and read-only here; it was left "
                             f"in place ({cachefile.describe(path)})") from exc
        raise _not_corrupt(path, exc) from exc


async def open_database(
    path: Path, *, read_only_fallback: bool = False
) -> tuple[aiosqlite.Connection, Path | None, bool]:
    """Open (creating, migrating, recovering) the cache; returns the connection, the
    path a corrupt file was moved to (if any), and whether it was opened read-only
    (only with `read_only_fallback`, for commands that only read, when the file
    is readable but not writable)."""
    migrations = load_migrations()
    recovered: Path | None = None
    _mkdir(path)
    for attempt in range(2):
        problem = cachefile.access_problem(path, write=True)
        if problem is not None:
            if read_only_fallback and cachefile.readable(path):
                return await _open_read_only(path, migrations), None, True
            raise CachePermissionError(problem)
        try:
            prepare_file(path)
        except OSError as exc:
            raise _not_corrupt(path, exc) from exc
        conn = None
        try:
            conn = await connect(path)
            await check_integrity(conn)
            await migrate(conn, migrations)
            prepare_file(path)  # WAL/SHM now exist: make sure they are private too
            return conn, recovered, False
        except StoreError:
            if conn is not None:
                await conn.close()
            raise
        except (sqlite3.DatabaseError, CorruptCache, OSError) as exc:
            if conn is not None:
                await conn.close()
            if attempt or not _is_corruption(exc):
                raise _not_corrupt(path, exc) from exc
            in_use = _in_use_error(path, exc)
            if in_use is not None:
                raise in_use from exc
            recovered = move_aside(path)
    raise AssertionError("unreachable")
