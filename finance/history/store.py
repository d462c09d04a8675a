"""The run history: every valuation recorded, append-only, in SQLite or PostgreSQL.

A run (docs/model.md section 10) is one valuation of one borrower's inventory at one date
with one set of assumptions. The store keeps what is needed to value it again and get the
same figures (the inventory file's bytes and the assumptions as a complete TOML document,
with their SHA-256), who ran it, when and with which version of the package, and what it
gave (the summary, the options, lots, mix and certificate tables, and the alerts the caller
raised). Rows are only ever added: there is no API that changes or deletes one.

>>> store = open_store("sqlite:///valuations.db")          # created and migrated if new
>>> run_id = store.record_run(result, assumptions, inventory_bytes,
...                           borrower="Acme", user="alice")
>>> store.runs("Acme")                                     # one row per run
>>> store.load_run(run_id).summary                         # what the run gave

The schema is the Alembic migrations' (``finance/history/migrations``), applied by
:func:`open_store` inside one transaction holding the database's write lock (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: an advisory lock), so that a new SQLite file or an empty PostgreSQL
database is migrated on first use, even by two processes at once. SQLite connections use
WAL journaling and a 30-second busy timeout, so that threads and processes writing to one
file wait for each other instead of failing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import re
import sqlite3
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from finance.history.models import Run
from finance.inputs.assumptions import Assumptions
from finance.result import ValuationResult

#: The distribution whose version each run records.
PACKAGE = "inventory-financing-evaluator"
#: The database ``--db`` uses when given without a URL: a file in the working folder.
DEFAULT_URL = "sqlite:///valuations.db"
#: Seconds a SQLite writer waits for another's lock before giving up.
BUSY_TIMEOUT = 30.0
#: Seconds to wait for a PostgreSQL server to answer.
CONNECT_TIMEOUT = 10
_MIGRATIONS = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock held while migrating ("FINH").
_MIGRATION_LOCK = 0x46494E48

#: The columns of :meth:`Store.runs`, in order.
RUN_COLUMNS: tuple[str, ...] = (
    "id",
    "borrower",
    "valuation_date",
    "created_at",
    "user",
    "package_version",
    "inventory_name",
    "inventory_sha256",
    "assumptions_sha256",
    "currency",
    "eligible_value",
    "borrowing_base",
    "recommended_option",
    "coverage",
    "alerts",
)


class StoreError(Exception):
    """The run database cannot be opened or used.

    Attributes
    ----------
    url : str
        The database URL as given, its password replaced by ``***``.
    reason : str
        What went wrong, one line (the driver's words).
    """

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"cannot open the run database {url}: {reason}")


def safe_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and listings)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        # Not a URL SQLAlchemy parses: hide whatever sits between "user:" and "@".
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))


def _reason(exc: BaseException, password: str | None) -> str:
    """The first line of what the driver said, without the password."""
    orig = getattr(exc, "orig", None) or exc
    words = str(orig).strip() or type(orig).__name__
    line = next((part.strip() for part in words.splitlines() if part.strip()), words)
    if password:
        line = line.replace(password, "***")
    return line


def package_version() -> str:
    """The installed version of the package (``unknown`` when it is not installed)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON: text as ``str``, NaN and infinities as null, dates ISO.

    The summary's :class:`finance.locale.Text` values become their English text, NumPy
    scalars Python numbers, tuples lists and mapping keys strings.
    """
    if isinstance(value, bool | None):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)


def _alert_list(alerts: Iterable[Any]) -> list[dict[str, Any]]:
    """The alerts as JSON objects, each with its ``code``."""
    found = []
    for alert in alerts:
        if is_dataclass(alert) and not isinstance(alert, type):
            alert = asdict(alert)
        elif hasattr(alert, "_asdict"):
            alert = alert._asdict()
        if not isinstance(alert, Mapping) or "code" not in alert:
            raise TypeError(f"an alert is a mapping with a 'code', not {alert!r}")
        found.append(jsonable(alert))
    return found


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _frame(data: bytes) -> pd.DataFrame:
    return pq.read_table(io.BytesIO(data)).to_pandas()


def _utc(moment: dt.datetime) -> dt.datetime:
    """A stored time in UTC (SQLite gives it back without its zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True, eq=False)
class StoredRun:
    """One recorded run, as :meth:`Store.load_run` gives it back.

    Attributes
    ----------
    id, borrower, valuation_date, created_at, user, package_version
        Its identity: ``created_at`` is in UTC; ``user`` who ran it.
    inventory_name : str
        The inventory file's name (its suffix tells :func:`finance.load_inventory` the
        format).
    inventory_sha256, assumptions_sha256 : str
        SHA-256 (hex) of :attr:`inventory` and of :attr:`assumptions_toml`'s UTF-8 bytes.
    inventory : bytes
        The inventory file as it was read.
    assumptions_toml : str
        Every assumption of the run, as the TOML document ``load_assumptions`` reads.
    summary : dict
        The result's summary as JSON (text as text, NaN and infinities as null).
    options, lots, mix, certificate : pandas.DataFrame
        The result's tables; the certificate is
        :func:`finance.report.certificate.borrowing_base_certificate`'s.
    currency, eligible_value, borrowing_base, recommended_option, coverage
        The headline figures; ``coverage`` (collateral over the pledge loan at drawdown)
        is None when there is no loan.
    alerts : list of dict
        The alerts recorded with the run, each with its ``code``.
    """

    id: int
    borrower: str
    valuation_date: dt.date
    created_at: dt.datetime
    user: str
    package_version: str
    inventory_name: str
    inventory_sha256: str
    assumptions_sha256: str
    inventory: bytes = field(repr=False)
    assumptions_toml: str = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    options: pd.DataFrame = field(repr=False)
    lots: pd.DataFrame = field(repr=False)
    mix: pd.DataFrame = field(repr=False)
    certificate: pd.DataFrame = field(repr=False)
    currency: str = ""
    eligible_value: float = 0.0
    borrowing_base: float = 0.0
    recommended_option: str = ""
    coverage: float | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def load_assumptions(self) -> Assumptions:
        """The run's assumptions, read back from :attr:`assumptions_toml`."""
        from finance.inputs.assumptions import load_assumptions

        return load_assumptions(self.assumptions_toml.encode("utf-8"), name="assumptions.toml")

    def load_inventory(self, assumptions: Assumptions | None = None) -> pd.DataFrame:
        """The run's lots, read back from :attr:`inventory` with its assumptions' categories."""
        from finance.inputs.inventory import load_inventory

        a = self.load_assumptions() if assumptions is None else assumptions
        return load_inventory(
            self.inventory,
            name=self.inventory_name,
            categories=a.categories,
            category_names=a.category_names,
        )


class Store:
    """A run history in one database; make one with :func:`open_store`.

    Attributes
    ----------
    engine : sqlalchemy.Engine
    url : str
        The database URL, its password hidden.
    """

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _writing(self) -> Connection:
        # SQLite: take the write lock at BEGIN (waiting up to the busy timeout), so that a
        # writer never holds a stale read snapshot it cannot upgrade.
        return self.engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE")

    def record_run(
        self,
        result: ValuationResult,
        assumptions: Assumptions,
        inventory_bytes: bytes,
        *,
        borrower: str,
        user: str,
        alerts: Iterable[Any] = (),
        inventory_name: str = "inventory.csv",
    ) -> int:
        """Record a run; return its id (a new row every time, never an update).

        Parameters
        ----------
        result : ValuationResult
            What :func:`finance.evaluate` gave.
        assumptions : Assumptions
            The assumptions it was given; kept whole as TOML.
        inventory_bytes : bytes
            The inventory file's content, as it was read.
        borrower : str
            Whose inventory it is (not empty).
        user : str
            Who ran it: the operating system's user (:func:`default_user`) or the app's
            signed-in user.
        alerts : iterable of mapping
            The alerts raised for this run, each a mapping (or dataclass) with a ``code``
            and its details.
        inventory_name : str
            The inventory file's name (its suffix tells the format when read back).

        Raises
        ------
        ValueError
            An empty borrower.
        StoreError
            The database refused the row.
        """
        from finance.report.assumptions_toml import assumptions_toml
        from finance.report.certificate import borrowing_base_certificate

        borrower = str(borrower).strip()
        if not borrower:
            raise ValueError("a run needs a borrower")
        toml = assumptions_toml(assumptions)
        inventory = bytes(inventory_bytes)
        summary = jsonable(result.summary)
        loan = result.pledge_loan
        coverage = float(loan.coverage) if loan.loan > 0 else math.nan
        row = {
            "borrower": borrower,
            "valuation_date": dt.date.fromisoformat(str(summary["valuation_date"])),
            "created_at": dt.datetime.now(dt.UTC),
            "user_name": str(user) or "unknown",
            "package_version": package_version(),
            "inventory_name": Path(inventory_name).name or "inventory.csv",
            "inventory_sha256": hashlib.sha256(inventory).hexdigest(),
            "assumptions_sha256": hashlib.sha256(toml).hexdigest(),
            "inventory": zlib.compress(inventory, 6),
            "assumptions_toml": zlib.compress(toml, 9),
            "summary": summary,
            "options": _parquet(result.options),
            "lots": _parquet(result.lots),
            "mix": _parquet(result.mix),
            "certificate": _parquet(borrowing_base_certificate(result)),
            "currency": str(summary.get("currency") or ""),
            "eligible_value": float(summary["eligible_value"] or 0.0),
            "borrowing_base": float(summary["borrowing_base"] or 0.0),
            "recommended_option": str(summary.get("recommended_option") or ""),
            "coverage": coverage if math.isfinite(coverage) else None,
            "alerts": _alert_list(alerts),
        }
        try:
            with self._writing() as conn, conn.begin():
                done = conn.execute(insert(Run.__table__).values(**row))
                return int(done.inserted_primary_key[0])
        except SQLAlchemyError as exc:
            raise StoreError(self.url, _reason(exc, None)) from exc

    def runs(self, borrower: str | None = None) -> pd.DataFrame:
        """The runs, oldest first, one row each (columns :data:`RUN_COLUMNS`).

        Parameters
        ----------
        borrower : str, optional
            Only this borrower's runs.
        """
        table = Run.__table__
        names = [c if c != "user" else "user_name" for c in RUN_COLUMNS]
        query = select(*(table.c[n] for n in names)).order_by(table.c.id)
        if borrower is not None:
            query = query.where(table.c.borrower == borrower)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
        except SQLAlchemyError as exc:
            raise StoreError(self.url, _reason(exc, None)) from exc
        frame = pd.DataFrame([tuple(r) for r in rows], columns=list(RUN_COLUMNS))
        frame["created_at"] = [_utc(m) for m in frame["created_at"]]
        frame["id"] = frame["id"].astype("int64")
        for column in ("eligible_value", "borrowing_base", "coverage"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame

    def load_run(self, run_id: int) -> StoredRun:
        """The run ``run_id``, its inputs and tables read back.

        Raises
        ------
        KeyError
            No run has that id.
        """
        table = Run.__table__
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(table).where(table.c.id == int(run_id))).first()
        except SQLAlchemyError as exc:
            raise StoreError(self.url, _reason(exc, None)) from exc
        if row is None:
            raise KeyError(f"no run {run_id} in {self.url}")
        r = row._mapping
        return StoredRun(
            id=int(r["id"]),
            borrower=r["borrower"],
            valuation_date=r["valuation_date"],
            created_at=_utc(r["created_at"]),
            user=r["user_name"],
            package_version=r["package_version"],
            inventory_name=r["inventory_name"],
            inventory_sha256=r["inventory_sha256"],
            assumptions_sha256=r["assumptions_sha256"],
            inventory=zlib.decompress(r["inventory"]),
            assumptions_toml=zlib.decompress(r["assumptions_toml"]).decode("utf-8"),
            summary=dict(r["summary"]),
            options=_frame(r["options"]),
            lots=_frame(r["lots"]),
            mix=_frame(r["mix"]),
            certificate=_frame(r["certificate"]),
            currency=r["currency"],
            eligible_value=float(r["eligible_value"]),
            borrowing_base=float(r["borrowing_base"]),
            recommended_option=r["recommended_option"],
            coverage=None if r["coverage"] is None else float(r["coverage"]),
            alerts=list(r["alerts"]),
        )

    def previous_run(self, borrower: str, before_id: int | None = None) -> StoredRun | None:
        """The borrower's latest run recorded before run ``before_id`` (None: of all), or None."""
        table = Run.__table__
        where = [table.c.borrower == borrower]
        if before_id is not None:
            where.append(table.c.id < int(before_id))
        query = select(table.c.id).where(*where).order_by(table.c.id.desc()).limit(1)
        try:
            with self.engine.connect() as conn:
                found = conn.execute(query).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(self.url, _reason(exc, None)) from exc
        return None if found is None else self.load_run(found)

    # Sign-off (finance.history.reviews): the same functions, as methods. Not set_role: the
    # store has no method that changes a row (the roles are set by reviews.set_role).

    def submit(self, run_id: int, user: str, **kwargs: Any) -> int:
        """A borrower submits a run: :func:`finance.history.reviews.submit`."""
        from finance.history import reviews

        return reviews.submit(self, run_id, user, **kwargs)

    def review(self, run_id: int, user: str, comment: str = "", **kwargs: Any) -> int:
        """An analyst reviews a run: :func:`finance.history.reviews.review`."""
        from finance.history import reviews

        return reviews.review(self, run_id, user, comment, **kwargs)

    def approve(self, run_id: int, user: str, **kwargs: Any) -> int:
        """An approver approves a run: :func:`finance.history.reviews.approve`."""
        from finance.history import reviews

        return reviews.approve(self, run_id, user, **kwargs)

    def reject(self, run_id: int, user: str, comment: str = "", **kwargs: Any) -> int:
        """An analyst or an approver rejects a run: :func:`finance.history.reviews.reject`."""
        from finance.history import reviews

        return reviews.reject(self, run_id, user, comment, **kwargs)

    def reviews(self, run_id: int | None = None) -> pd.DataFrame:
        """The sign-off steps: :func:`finance.history.reviews.reviews`."""
        from finance.history import reviews

        return reviews.reviews(self, run_id)

    def role_of(self, user: str, claims: Mapping[str, Any] | None = None) -> str | None:
        """A user's role: :func:`finance.history.reviews.role_of`."""
        from finance.history import reviews

        return reviews.role_of(self, user, claims)


def _wal(cursor: Any) -> None:
    """Put the database in WAL mode (once: the mode stays with the file).

    Switching needs the file to itself, and SQLite answers "database is locked" at once,
    without waiting out the busy timeout, when another process holds it then (two processes
    opening a new database together): so the switch is tried again until the timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling off: SQLAlchemy's "begin" below says BEGIN,
        # so that DDL is transactional and a writer can ask for the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        _wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine


def _migrate(engine: Engine) -> None:
    """Bring the database's schema to the latest migration, under its write lock."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS).replace("%", "%%"))
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def open_store(url: str = DEFAULT_URL, *, create: bool = True) -> Store:
    """Open the run history at ``url``, creating and migrating it as needed.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL: ``sqlite:///valuations.db`` (a file, relative to the working
        folder; ``sqlite:////abs/path.db`` for an absolute path) or
        ``postgresql+psycopg://user:pass@host/db`` (``postgresql://`` means the same).
    create : bool
        Make a SQLite file that does not exist yet (False: that is an error, as for
        listing a history that was never recorded).

    Raises
    ------
    StoreError
        A URL that is not one, a driver that is not installed, a file that cannot be
        made, a server that cannot be reached or refuses: its message names the URL
        without the password.
    """
    shown = safe_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise StoreError(
            shown,
            "not a database URL (e.g. sqlite:///valuations.db or "
            "postgresql+psycopg://user:pass@host/db)",
        ) from exc
    if parsed.drivername == "postgresql":  # psycopg (3) is the driver the package installs
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = None
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:") or database.startswith("file:"):
                raise StoreError(shown, "an in-memory database keeps no history; name a file")
            if not create and not Path(database).is_file():
                raise StoreError(shown, "no such file")
            engine = _sqlite_engine(parsed)
        else:
            args = {"connect_timeout": CONNECT_TIMEOUT} if parsed.get_backend_name() == (
                "postgresql") else {}  # fmt: skip
            engine = create_engine(parsed, connect_args=args, pool_pre_ping=True)
        _migrate(engine)
    except StoreError:
        raise
    except (SQLAlchemyError, ImportError, OSError) as exc:
        if engine is not None:
            engine.dispose()
        raise StoreError(shown, _reason(exc, parsed.password)) from exc
    return Store(engine, shown)
