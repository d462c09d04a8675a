"""The run history's tables, as SQLAlchemy 2.0 declarative models.

``runs``: a row per valuation, written once and never updated (the history is
append-only); ``reviews``: each run's sign-off steps, append-only too; ``roles``: the users'
roles when the identity provider does not name them. The schema is created and changed
only by the Alembic migrations in ``finance/history/migrations``, which
:func:`finance.history.store.open_store` applies; these models describe the schema the
latest migration leaves.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The history's declarative base (its metadata is the migrations' target)."""


class Run(Base):
    """One valuation of one borrower's inventory at one date with one set of assumptions.

    The inputs are kept whole (the inventory file's bytes, the assumptions as a complete
    TOML document, both zlib-compressed) with their SHA-256, so that the run can be valued
    again and give the same figures; the outputs are kept as the summary (JSON) and the
    options, lots, mix and certificate tables (zstd-compressed Parquet). The headline
    columns repeat figures of the summary for listing without reading the tables.
    """

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    borrower: Mapped[str] = mapped_column(String(200), index=True)
    valuation_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # "user" is a reserved word in PostgreSQL: the column is user_name.
    user: Mapped[str] = mapped_column("user_name", String(200))
    package_version: Mapped[str] = mapped_column(String(64))
    inventory_name: Mapped[str] = mapped_column(String(260))
    inventory_sha256: Mapped[str] = mapped_column(String(64))
    assumptions_sha256: Mapped[str] = mapped_column(String(64))
    inventory: Mapped[bytes] = mapped_column(LargeBinary)
    assumptions_toml: Mapped[bytes] = mapped_column(LargeBinary)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    options: Mapped[bytes] = mapped_column(LargeBinary)
    lots: Mapped[bytes] = mapped_column(LargeBinary)
    mix: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    currency: Mapped[str] = mapped_column(String(8))
    eligible_value: Mapped[float] = mapped_column(Double)
    borrowing_base: Mapped[float] = mapped_column(Double)
    recommended_option: Mapped[str] = mapped_column(Text)
    coverage: Mapped[float | None] = mapped_column(Double, nullable=True)
    alerts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class Review(Base):
    """One step of a run's sign-off: submitted, reviewed, approved or rejected.

    Written once and never updated, like the runs: a run's state is what its reviews say,
    read in order (:mod:`finance.history.reviews`). A partial unique index keeps a run to
    one approval at most.
    """

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    user: Mapped[str] = mapped_column("user_name", String(200))
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str] = mapped_column(Text, default="")


class Role(Base):
    """A user's role when the identity provider's claims name none (configuration)."""

    __tablename__ = "roles"

    user: Mapped[str] = mapped_column("user_name", String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
