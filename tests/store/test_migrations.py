from __future__ import annotations

import sqlite3

import pytest

from fleettui.store import Store, StoreError
from fleettui.store import db as dbmod


def test_migration_files_are_numbered_without_gaps():
    migrations = dbmod.load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "0001_inventory.sql"


async def test_fresh_cache_is_at_latest_schema_version(tmp_path):
    async with await Store.open(tmp_path / "c.db") as store:
        assert await store.schema_version() == len(dbmod.load_migrations())
        tables = {r[0] for r in await store._fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"clusters", "objects", "sync_state", "meta"} <= tables
        row = await store._fetchone("PRAGMA journal_mode")
        assert row[0] == "wal"


async def test_a_later_migration_is_applied_in_order_to_an_existing_cache(tmp_path, monkeypatch):
    mig = tmp_path / "migrations"
    mig.mkdir()
    for m in dbmod.load_migrations():
        (mig / m.name).write_text(m.sql)
    path = tmp_path / "c.db"
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", mig)
    monkeypatch.setattr(dbmod.load_migrations, "__defaults__", (mig,))
    async with await Store.open(path) as store:
        base = await store.schema_version()
    # a later issue adds its tables (as the engine's 0002_applications.sql does)
    nxt = base + 1
    (mig / f"{nxt:04d}_extra.sql").write_text(
        "-- a comment; with a semicolon\nCREATE TABLE extra (id INTEGER PRIMARY KEY, v TEXT);\n"
        "CREATE TRIGGER extra_t AFTER INSERT ON extra BEGIN\n"
        "  UPDATE extra SET v = 'x' WHERE id = new.id;\nEND;\n"
    )
    async with await Store.open(path) as store:
        assert await store.schema_version() == nxt
        async with store._transaction() as conn:
            await conn.execute("INSERT INTO extra (id) VALUES (1)")
        assert await store._fetchone("SELECT v FROM extra") == ("x",)


def test_a_gap_in_migration_numbers_is_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("CREATE TABLE a (x);")
    (tmp_path / "0003_c.sql").write_text("CREATE TABLE c (x);")
    with pytest.raises(StoreError, match="without gaps"):
        dbmod.load_migrations(tmp_path)


def test_split_statements_keeps_triggers_whole():
    sql = "CREATE TABLE t (x);\n-- only a comment;\nCREATE TRIGGER g AFTER INSERT ON t BEGIN\n SELECT 1;\n SELECT 2;\nEND;\n"
    stmts = dbmod.split_statements(sql)
    assert len(stmts) == 2
    assert stmts[1].startswith("CREATE TRIGGER") and stmts[1].endswith("END;")


async def test_a_cache_from_a_newer_fleettui_is_not_clobbered(tmp_path):
    path = tmp_path / "c.db"
    async with await Store.open(path):
        pass
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer"):
        await Store.open(path)
    assert path.exists()
