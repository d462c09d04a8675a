"""Sign-off in the app: who did what to a run, the steps the user may take, the pending list.

The History page shows each run's steps (:func:`status_text`, :func:`steps_table`) and, on
the run picked, the buttons the user's role allows (:func:`actions_for`): a borrower
submits, an analyst reviews (with a comment) or rejects, an approver approves or rejects;
with no role configured at all and nobody signed in (the open app on localhost) every step
is offered. Each button calls :func:`take`, which leaves its outcome in the session for the
page to show: the rules stay in :mod:`finance.history.reviews`, and a step they refuse shows
its :class:`~finance.history.reviews.ReviewError` message in the session's language.

The sidebar's sign-off box (:func:`sidebar_sign_off`) is only a short list, for an analyst
or an approver, of the runs awaiting a decision: each one opens the History page on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from finance.history import reviews
from finance.history.reviews import ACTIONS, ReviewError
from finance.history.store import Store, StoreError
from ui import history
from ui.auth import claims, current_role, current_user
from ui.i18n import lang, t
from ui.state import HISTORY_BORROWER_PICK, SIGNOFF_COMMENT, SIGNOFF_OUTCOME, SIGNOFF_RUN

HISTORY_PAGE = "app_pages/history.py"
#: The steps each role takes.
BY_ROLE: dict[str, tuple[str, ...]] = {
    "borrower": ("submitted",),
    "analyst": ("reviewed", "rejected"),
    "approver": ("approved", "rejected"),
}
#: Each step's button (catalog key).
BUTTONS: dict[str, str] = {
    "submitted": "signoff.submit",
    "reviewed": "signoff.review",
    "approved": "signoff.approve",
    "rejected": "signoff.reject",
}
_STEP: dict[str, Callable[..., int]] = {
    "submitted": reviews.submit,
    "reviewed": reviews.review,
    "approved": reviews.approve,
    "rejected": reviews.reject,
}


def open_mode(store: Store) -> bool:
    """True when anyone may take any step: nobody signed in and no role in the table."""
    return claims() is None and reviews.roles(store).empty


def actions_for(store: Store, role: str | None) -> tuple[str, ...]:
    """The steps offered to a user in ``role`` (every step in open mode, else none)."""
    if role in BY_ROLE:
        return BY_ROLE[role]
    return ACTIONS if open_mode(store) else ()


def status_text(step: Any) -> str:
    """A step as one line: ``Approved by bob@example.com``."""
    return t("signoff.step", action=t(f"signoff.{step.action}"), user=step.user)


def latest_status(steps: pd.DataFrame) -> dict[int, str]:
    """Each run's latest step as :func:`status_text` (runs without a step are left out)."""
    if steps.empty:
        return {}
    last = steps.groupby("run_id").tail(1)
    return {int(s.run_id): status_text(s) for s in last.itertuples()}


def steps_table(steps: pd.DataFrame) -> pd.DataFrame:
    """A run's steps for the page: step, who, role, when (UTC) and comment, in words."""
    return pd.DataFrame(
        {
            t("signoff.col.action"): [t(f"signoff.{a}") for a in steps["action"]],
            t("signoff.col.user"): list(steps["user"]),
            t("signoff.col.role"): [t(f"role.{r}") if r else "" for r in steps["role"]],
            t("signoff.col.at"): [pd.Timestamp(m).strftime("%Y-%m-%d %H:%M") for m in steps["at"]],
            t("signoff.col.comment"): list(steps["comment"]),
        }
    )


def take(action: str, run_id: int) -> None:
    """The user takes ``action`` on ``run_id`` (a button's callback); the outcome is kept."""
    try:
        _STEP[action](
            history.store(),
            run_id,
            current_user() or "",
            comment=st.session_state.get(SIGNOFF_COMMENT, ""),
            claims=claims(),
        )
    except (ReviewError, StoreError, ValueError) as exc:
        st.session_state[SIGNOFF_OUTCOME] = exc
    else:
        st.session_state[SIGNOFF_OUTCOME] = (action, int(run_id))
        st.session_state[SIGNOFF_COMMENT] = ""


def show_outcome() -> None:
    """The last step's outcome, once: done, or the reason it was refused."""
    outcome = st.session_state.pop(SIGNOFF_OUTCOME, None)
    if isinstance(outcome, ReviewError):
        st.error(outcome.message(lang()))
    elif isinstance(outcome, StoreError):
        st.error(t("history.db_error", url=outcome.url, reason=outcome.reason))
    elif isinstance(outcome, Exception):
        st.error(str(outcome))
    elif outcome is not None:
        action, run_id = outcome
        st.success(t("signoff.done", action=t(f"signoff.{action}"), id=run_id))


def _open(run_id: int, borrower: str) -> None:
    st.session_state[HISTORY_BORROWER_PICK] = borrower
    st.session_state[SIGNOFF_RUN] = run_id


def sidebar_sign_off() -> None:
    """The sidebar's short list of runs awaiting a decision (an analyst's or an approver's)."""
    try:
        store = history.store()
    except StoreError:  # the History page says why
        return
    role = current_role(store)
    if role not in ("analyst", "approver") or current_user() is None:
        return
    with st.expander(t("signoff.title"), expanded=True):
        waiting = reviews.pending(store)
        if waiting.empty:
            st.caption(t("signoff.none"))
            return
        st.caption(t("signoff.pending"))
        for row in waiting.itertuples():
            label = t("signoff.run", id=row.run_id, borrower=row.borrower, date=row.valuation_date)
            status = t("signoff.step", action=t("signoff.submitted"), user=row.submitted_by)
            if st.button(
                label,
                key=f"signoff_open_{row.run_id}",
                help=status,
                on_click=_open,
                args=(int(row.run_id), str(row.borrower)),
                type="tertiary",
            ):
                st.switch_page(HISTORY_PAGE)
