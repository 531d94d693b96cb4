"""``klip backup`` and ``klip restore``: the whole database in one file, taken while the app runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page by page while
others keep reading and writing. PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot; restored with
``pg_restore`` in a single transaction). A backup file is written next to its destination and renamed into place
when complete, readable by its owner only (it holds taxpayers' personal data); a restore goes into an empty
database only and brings the schema to the current version afterwards (``klip init-db``). The audit trail stays
append-only: its triggers are part of the backup.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from .context import make_engine
from .errors import KlipError
from .i18n import N_
from .migrate import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # pg_dump's custom format
PG_BIN_DIRS = "/usr/lib/postgresql"  # Debian: /usr/lib/postgresql/<major>/bin
PG_BIN_ENV = "KLIP_PG_BIN"  # a directory holding pg_dump and pg_restore, when they are elsewhere


class BackupFailed(KlipError):
    code = "backup_failed"


@dataclass(frozen=True)
class BackupDone:
    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int  # bytes


@dataclass(frozen=True)
class RestoreDone:
    kind: str
    tables: int
    campaigns: int


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupFailed(N_("Basis data SQLite di memori tidak dapat dicadangkan atau dipulihkan."))
    return Path(url.database)


def pg_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: from KLIP_PG_BIN, else the newest Debian PostgreSQL's, else PATH.

    A newer client reads an older server's database; an older one refuses a newer server's.
    """
    candidates = [Path(os.environ[PG_BIN_ENV]) / name] if os.environ.get(PG_BIN_ENV) else []
    versions = sorted(Path(PG_BIN_DIRS).glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit()
                      else 0, reverse=True)
    candidates += [directory / name for directory in versions]
    found = next((str(c) for c in candidates if c.is_file() and os.access(c, os.X_OK)), None) or shutil.which(name)
    if found is None:
        raise BackupFailed(N_("Program {tool} tidak ditemukan. Pasang klien PostgreSQL (Debian: apt-get install "
                              "postgresql-client) atau isi {env} dengan foldernya.", tool=name, env=PG_BIN_ENV))
    return found


def _pg_args(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(command: list[str], env: dict[str, str], tool: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(N_("{tool} gagal: {reason}", tool=tool, reason=(done.stderr or done.stdout).strip()[:500]))


def backup(database_url: str, out: Path) -> BackupDone:
    """Write a backup of the database to ``out`` (which must not exist yet)."""
    url = make_url(database_url)
    if out.exists():
        raise BackupFailed(N_("Berkas {path} sudah ada; cadangan tidak menimpa berkas. Pilih nama lain.",
                              path=str(out)))
    if not out.parent.is_dir():
        raise BackupFailed(N_("Folder {path} tidak ada.", path=str(out.parent)))
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        partial.touch(mode=0o600)
        if url.get_backend_name() == "sqlite":
            kind = "sqlite"
            source_path = _sqlite_path(url)
            if not source_path.is_file():
                raise BackupFailed(N_("Basis data {path} tidak ada.", path=str(source_path)))
            _sqlite_copy(source_path, partial)
        elif url.get_backend_name() == "postgresql":
            kind = "postgresql"
            connection, env = _pg_args(url)
            _run([pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}",
                  f"--dbname={connection}"], env, "pg_dump")
        else:
            raise BackupFailed(N_("Basis data {backend} tidak didukung untuk cadangan.",
                                  backend=url.get_backend_name()))
        os.chmod(partial, 0o600)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupDone(out, kind, out.stat().st_size)


def _kind_of(source: Path) -> str:
    if not source.is_file():
        raise BackupFailed(N_("Berkas cadangan {path} tidak ada.", path=str(source)))
    with source.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupFailed(N_("Berkas {path} bukan cadangan KLIP (bukan basis data SQLite maupun format custom "
                          "pg_dump).", path=str(source)))


def _tables(database_url: str) -> list[str]:
    """The tables of the database (every schema but PostgreSQL's own); [] when it does not exist yet (SQLite)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return []
    engine = make_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                return list(conn.scalars(text(
                    "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")))
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore(database_url: str, source: Path) -> RestoreDone:
    """Restore the backup ``source`` into the (empty) database of ``database_url``, then migrate it to the
    current schema. A database that already holds tables is refused: nothing is merged or overwritten."""
    kind, url = _kind_of(source), make_url(database_url)
    target = url.get_backend_name()
    if kind != target:
        raise BackupFailed(N_("Berkas {path} adalah cadangan {kind}, sedangkan KLIP_DATABASE_URL menunjuk basis data "
                              "{target}; pulihkan ke basis data {kind}.", path=str(source), kind=kind, target=target))
    existing = _tables(database_url)
    if existing:
        raise BackupFailed(N_("Basis data tujuan tidak kosong ({n} tabel, mis. {examples}); pemulihan hanya ke "
                              "basis data kosong, agar tidak ada data yang tercampur atau tertimpa. Buat basis data "
                              "baru (PostgreSQL: createdb) atau arahkan KLIP_DATABASE_URL ke berkas SQLite baru.",
                              n=len(existing), examples=", ".join(existing[:3])))
    if kind == "sqlite":
        _restore_sqlite(source, _sqlite_path(url))
    else:
        connection, env = _pg_args(url)
        _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--no-password", f"--dbname={connection}", str(source)], env, "pg_restore")
    upgrade(database_url)  # a backup of an older version: bring its schema to this one
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            campaigns = conn.scalar(text("SELECT count(*) FROM campaigns")) or 0
    finally:
        engine.dispose()
    return RestoreDone(kind, len(_tables(database_url)), int(campaigns))


def _restore_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite backup into a new file at ``target`` (checked first, renamed into place when complete)."""
    try:
        with closing(sqlite3.connect(_read_only(source), uri=True)) as backup_db:
            problems = backup_db.execute("PRAGMA integrity_check").fetchall()
            versioned = backup_db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
                                          ).fetchone()
    except sqlite3.DatabaseError as exc:
        problems, versioned = [(str(exc),)], None
    if problems != [("ok",)] or not versioned or not versioned[0]:
        raise BackupFailed(N_("Berkas {path} bukan cadangan KLIP yang utuh (pemeriksaan SQLite: {problem}).",
                              path=str(source), problem=str(problems[0][0]) if problems else "?"))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        partial.touch(mode=0o600)
        _sqlite_copy(source, partial)
        for leftover in ("-wal", "-shm"):  # the old file's write-ahead log (WAL mode) must not meet the new file
            target.with_name(target.name + leftover).unlink(missing_ok=True)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _read_only(path: Path) -> str:
    """A URI opening a SQLite file read-only (whatever characters its name holds)."""
    return path.resolve().as_uri() + "?mode=ro"


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of ``source`` while other connections go on using it."""
    with closing(sqlite3.connect(_read_only(source), uri=True)) as reader, \
            closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)
