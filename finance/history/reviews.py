"""Sign-off of recorded runs: who submitted, reviewed, approved or rejected each one.

A borrower **submits** a run, an analyst **reviews** it (any number of times, with a
comment), an approver **approves** it, which signs its certificate; an analyst or an
approver may **reject** it instead, and the borrower may then submit it again. Each step is
a new row of the ``reviews`` table (never changed nor deleted), with who took it, in which
role, when (UTC) and a comment.

>>> from finance.history import reviews
>>> reviews.set_role(store, "bob@example.com", "approver")
>>> reviews.submit(store, run_id, "alice@example.com", claims={"roles": ["borrower"]})
>>> reviews.approve(store, run_id, "bob@example.com")
>>> reviews.reviews(store, run_id)                 # one row per step, oldest first

The same functions are :class:`~finance.history.store.Store` methods
(``store.submit(run_id, user)``...), but for :func:`set_role`: the store has no method that
changes a row.

Roles (:func:`role_of`)
    The identity provider's claims first: a ``roles`` claim, else a ``groups`` claim, a
    string or a list, whose first value that is a role (``borrower``, ``analyst``,
    ``approver``) is the user's role. Else the ``roles`` table (:func:`set_role`). Else
    none.

Rules (each broken one raises :class:`ReviewError`, in English or Chinese)
    * Only a borrower submits; only an analyst reviews; only an approver approves; an
      analyst or an approver rejects.
    * **Open mode**: when no roles are configured at all (the ``roles`` table is empty) and
      the caller gives no claims (the app without sign-in, on localhost, or the command
      line), anyone may take any step, with no role recorded. As soon as one role is in
      the table, or whenever claims are given (a signed-in user), a user needs the role.
    * A run is submitted before it is reviewed, approved or rejected; it is submitted again
      only after a rejection; an approved run is final.
    * Maker-checker: nobody approves, reviews or rejects a run they submitted, and nobody
      approves a run they recorded.
    * A run is approved once at most: two approvers at the same moment give one approval
      and one :class:`ReviewError` (the run's row is locked while a step is decided, and a
      unique index on approvals backs it up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from finance.history.identity import ROLES, role_from_claims
from finance.history.models import Review, Role, Run
from finance.locale import Text, render, t

if TYPE_CHECKING:
    from finance.history.store import Store

#: The steps, in the order a run normally takes them.
ACTIONS: tuple[str, ...] = ("submitted", "reviewed", "approved", "rejected")
#: The roles a user may have.
#: Which role takes which step.
NEEDS: Mapping[str, tuple[str, ...]] = {
    "submitted": ("borrower",),
    "reviewed": ("analyst",),
    "approved": ("approver",),
    "rejected": ("analyst", "approver"),
}
#: The columns of :func:`reviews`, in order.
REVIEW_COLUMNS: tuple[str, ...] = ("id", "run_id", "action", "user", "role", "at", "comment")


class ReviewError(Exception):
    """A sign-off step the rules do not allow.

    Attributes
    ----------
    code : str
        What rule: ``no_run``, ``no_role``, ``unknown_role``, ``not_submitted``,
        ``already_submitted``, ``already_approved``, ``own_submission``, ``own_run``.
    text : finance.locale.Text
        The message (English; :meth:`message` gives it in another language).
    """

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        key = f"review.{code}"
        self.text = Text(t(key, "en", **params), key, **params)
        super().__init__(str(self.text))

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (``en`` or ``zh``)."""
        return render(self.text, lang)


def _table_role(conn: Connection, user: str) -> str | None:
    table = Role.__table__
    return conn.execute(select(table.c.role).where(table.c.user_name == user)).scalar()


def _roles_configured(conn: Connection) -> bool:
    return bool(conn.execute(select(func.count()).select_from(Role.__table__)).scalar())


def role_of(store: Store, user: str, claims: Mapping[str, Any] | None = None) -> str | None:
    """The user's role: from the claims (``roles``, then ``groups``), else the table, else None."""
    found = role_from_claims(claims)
    if found is not None:
        return found
    with store.engine.connect() as conn:
        return _table_role(conn, str(user))


def set_role(store: Store, user: str, role: str | None) -> None:
    """Give ``user`` a role in the ``roles`` table (None takes it away).

    Raises
    ------
    ReviewError
        ``unknown_role`` for a role other than borrower, analyst or approver.
    """
    user = str(user).strip()
    if not user:
        raise ValueError("a role needs a user")
    if role is not None and role not in ROLES:
        raise ReviewError("unknown_role", role=role, roles=", ".join(ROLES))
    table = Role.__table__
    with store._writing() as conn, conn.begin():
        conn.execute(delete(table).where(table.c.user_name == user))
        if role is not None:
            conn.execute(insert(table).values(user_name=user, role=role))


def roles(store: Store) -> pd.DataFrame:
    """The ``roles`` table: columns ``user`` and ``role``, by user."""
    table = Role.__table__
    with store.engine.connect() as conn:
        rows = conn.execute(select(table.c.user_name, table.c.role).order_by(table.c.user_name))
        return pd.DataFrame([tuple(r) for r in rows], columns=["user", "role"])


def _steps(conn: Connection, run_id: int) -> list[Any]:
    table = Review.__table__
    query = select(table).where(table.c.run_id == run_id).order_by(table.c.id)
    return list(conn.execute(query).mappings())


def _decide(
    conn: Connection,
    run_id: int,
    action: str,
    user: str,
    claims: Mapping[str, Any] | None,
) -> str | None:
    """The role the step is taken in; raises :class:`ReviewError` when it is not allowed."""
    runs = Run.__table__
    # Lock the run's row (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the file's
    # write lock) so that two steps on one run are decided one after the other.
    recorder = conn.execute(
        select(runs.c.user_name).where(runs.c.id == run_id).with_for_update()
    ).scalar()
    if recorder is None:
        raise ReviewError("no_run", run=run_id)
    role = role_from_claims(claims)
    if role is None:
        role = _table_role(conn, user)
    needs = NEEDS[action]
    if role not in needs and (claims is not None or role is not None or _roles_configured(conn)):
        raise ReviewError("no_role", user=user, action=action, needs=" / ".join(needs))
    steps = _steps(conn, run_id)
    state = steps[-1]["action"] if steps else None
    submitters = {s["user_name"] for s in steps if s["action"] == "submitted"}
    if action == "submitted":
        if state == "approved":
            raise ReviewError("already_approved", run=run_id)
        if state in ("submitted", "reviewed"):
            raise ReviewError("already_submitted", run=run_id)
        return role
    if state == "approved":
        raise ReviewError("already_approved", run=run_id)
    if state not in ("submitted", "reviewed"):
        raise ReviewError("not_submitted", run=run_id)
    if user in submitters:
        raise ReviewError("own_submission", user=user, run=run_id)
    if action == "approved" and user == recorder:
        raise ReviewError("own_run", user=user, run=run_id)
    return role


def _step(
    store: Store,
    run_id: int,
    action: str,
    user: str,
    *,
    claims: Mapping[str, Any] | None = None,
    comment: str = "",
) -> int:
    from finance.history.store import StoreError, _reason

    user = str(user).strip()
    if not user:
        raise ValueError("a review step needs a user")
    run_id = int(run_id)
    try:
        with store._writing() as conn, conn.begin():
            role = _decide(conn, run_id, action, user, claims)
            done = conn.execute(
                insert(Review.__table__).values(
                    run_id=run_id,
                    action=action,
                    user_name=user,
                    role=role,
                    at=dt.datetime.now(dt.UTC),
                    comment=str(comment or ""),
                )
            )
            return int(done.inserted_primary_key[0])
    except IntegrityError as exc:
        if action == "approved":  # the unique index: another approval got there first
            raise ReviewError("already_approved", run=run_id) from exc
        raise StoreError(store.url, _reason(exc, None)) from exc
    except SQLAlchemyError as exc:
        raise StoreError(store.url, _reason(exc, None)) from exc


def submit(
    store: Store, run_id: int, user: str, *, claims: Mapping[str, Any] | None = None,
    comment: str = "",
) -> int:  # fmt: skip
    """``user`` (a borrower) submits run ``run_id`` for approval; returns the step's id."""
    return _step(store, run_id, "submitted", user, claims=claims, comment=comment)


def review(
    store: Store, run_id: int, user: str, comment: str = "", *,
    claims: Mapping[str, Any] | None = None,
) -> int:  # fmt: skip
    """``user`` (an analyst) records a review of a submitted run, with a comment."""
    return _step(store, run_id, "reviewed", user, claims=claims, comment=comment)


def approve(
    store: Store, run_id: int, user: str, *, claims: Mapping[str, Any] | None = None,
    comment: str = "",
) -> int:  # fmt: skip
    """``user`` (an approver, not its submitter nor its recorder) approves a submitted run."""
    return _step(store, run_id, "approved", user, claims=claims, comment=comment)


def reject(
    store: Store, run_id: int, user: str, comment: str = "", *,
    claims: Mapping[str, Any] | None = None,
) -> int:  # fmt: skip
    """``user`` (an analyst or an approver) rejects a submitted run; it may be resubmitted."""
    return _step(store, run_id, "rejected", user, claims=claims, comment=comment)


def reviews(store: Store, run_id: int | None = None) -> pd.DataFrame:
    """The sign-off steps, oldest first (columns :data:`REVIEW_COLUMNS`; ``at`` in UTC).

    Parameters
    ----------
    run_id : int, optional
        Only this run's steps (all runs' when None).
    """
    from finance.history.store import StoreError, _reason, _utc

    table = Review.__table__
    query = select(
        table.c.id, table.c.run_id, table.c.action, table.c.user_name, table.c.role,
        table.c.at, table.c.comment,
    ).order_by(table.c.id)  # fmt: skip
    if run_id is not None:
        query = query.where(table.c.run_id == int(run_id))
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError as exc:
        raise StoreError(store.url, _reason(exc, None)) from exc
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(REVIEW_COLUMNS))
    frame["at"] = pd.Series([_utc(m) for m in frame["at"]], dtype="object")
    frame["id"] = frame["id"].astype("int64")
    frame["run_id"] = frame["run_id"].astype("int64")
    return frame


def status(store: Store, run_id: int) -> str | None:
    """The run's state: its last step (``submitted``...), or None before any."""
    steps = reviews(store, run_id)
    return None if steps.empty else str(steps["action"].iloc[-1])


def pending(store: Store) -> pd.DataFrame:
    """The runs awaiting a decision (last step ``submitted`` or ``reviewed``), oldest first.

    Columns: ``run_id``, ``borrower``, ``valuation_date``, ``recorded_by``, ``status``,
    ``submitted_by`` (who submitted it last).
    """
    steps = reviews(store)
    columns = ["run_id", "borrower", "valuation_date", "recorded_by", "status", "submitted_by"]
    if steps.empty:
        return pd.DataFrame(columns=columns)
    last = steps.groupby("run_id").tail(1).set_index("run_id")["action"]
    waiting = last[last.isin(["submitted", "reviewed"])]
    submitted = steps[steps["action"] == "submitted"].groupby("run_id")["user"].last()
    runs = store.runs().set_index("id")
    rows = [
        (
            int(run_id),
            runs.at[run_id, "borrower"],
            runs.at[run_id, "valuation_date"],
            runs.at[run_id, "user"],
            status,
            submitted.get(run_id, ""),
        )
        for run_id, status in waiting.items()
        if run_id in runs.index
    ]
    return pd.DataFrame(rows, columns=columns)
