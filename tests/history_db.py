"""Databases for the run-history tests: a SQLite file, and a real PostgreSQL server.

``postgres_server`` (session scope) makes a throw-away PostgreSQL cluster with Debian's
binaries (``initdb``, then ``pg_ctl -w start`` on a free localhost port, durability off for
speed), creates a database ``finance_runs``, yields its SQLAlchemy URL and stops the server
at the end (about 1.5 s in all on two cores). Run as root, the cluster belongs to
``nobody`` (PostgreSQL refuses to run as root). Without the binaries the fixture FAILS, it
does not skip: CI installs them (``.ci/run``), and a history that is never tested on
PostgreSQL must not pass as tested. ``PG_BIN`` overrides their folder.

``database_url`` is parametrised over ``sqlite`` and ``postgresql``: a new SQLite file in the
test's folder, or a new empty database on the session's server (dropped after the test), so
that every history test runs on both.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    return done


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the session; yields the URL of a new database on it."""
    missing = [tool for tool in ("initdb", "pg_ctl", "postgres") if not (PG_BIN / tool).exists()]
    if missing:
        pytest.fail(
            f"PostgreSQL binaries {', '.join(missing)} not found in {PG_BIN}: install Debian's "
            "postgresql package (apt-get install postgresql), or set PG_BIN",
            pytrace=False,
        )
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="finance-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root: the cluster is nobody's
        nobody = pwd.getpwnam("nobody")
        os.chown(root, nobody.pw_uid, nobody.pw_gid)
        as_user = ["runuser", "-u", "nobody", "--"]
    data = root / "data"
    _run([*as_user, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
          "-E", "UTF8", "--no-sync", "--no-instructions"])  # fmt: skip
    options = (
        "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        f"-c full_page_writes=off -c max_connections=50 -k {root}"
    )
    port = 0
    for attempt in range(3):  # another process may take the free port first
        port = _free_port()
        done = subprocess.run(
            [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"),
             "-w", "-t", "60", "-o", f"-p {port} {options}", "start"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if done.returncode == 0:
            break
        if attempt == 2:
            log = (root / "server.log").read_text(errors="replace")
            pytest.fail(f"pg_ctl start failed:\n{done.stderr}\n{log}", pytrace=False)
    server = f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    try:
        _admin(f"{server}/postgres", "CREATE DATABASE finance_runs")
        print(f"\nPostgreSQL {PG_BIN} on port {port}: up in {time.monotonic() - started:.2f} s")
        yield f"{server}/finance_runs"
    finally:
        subprocess.run(
            [*as_user, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True, timeout=120,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _admin(url: str, statement: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty run database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'runs.db'}"
        return
    # Each test gets its own empty database, made from the server's maintenance database.
    server = request.getfixturevalue("postgres_server").rsplit("/", 1)[0]
    name = f"runs_{uuid.uuid4().hex[:12]}"
    _admin(f"{server}/postgres", f"CREATE DATABASE {name}")
    try:
        yield f"{server}/{name}"
    finally:
        _admin(f"{server}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
