"""The sidebar's sign-off box: an analyst or an approver decides on the runs awaiting one.

A minimal control over :mod:`finance.history.reviews` until the History page (built on its
own branch) offers the same steps: the runs submitted and not yet decided, who took each
step of the one picked, and the buttons the user's role allows (an analyst: Review and
Reject; an approver: Approve and Reject). Shown only with a run database
(``$FINANCE_DB_URL``) and to a user in one of those roles. The rules stay in the core: a
step it refuses shows its message, in the session's language.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from finance.history import reviews
from finance.history.reviews import ReviewError
from ui.auth import claims, current_role, current_user, db_url, open_app_store
from ui.i18n import lang, t

#: The buttons each role gets: (action, catalog key).
BUTTONS: dict[str, tuple[tuple[str, str], ...]] = {
    "analyst": (("reviewed", "signoff.review"), ("rejected", "signoff.reject")),
    "approver": (("approved", "signoff.approve"), ("rejected", "signoff.reject")),
}
_STEP = {"reviewed": reviews.review, "approved": reviews.approve, "rejected": reviews.reject}


def _label(row: Any) -> str:
    return t("signoff.run", id=row.run_id, borrower=row.borrower, date=row.valuation_date)


def sidebar_sign_off() -> None:
    """The sign-off box in the sidebar (nothing without a database or a deciding role)."""
    if db_url() is None:
        return
    store = open_app_store()
    if store is None:
        return
    role = current_role(store)
    user = current_user()
    if role not in BUTTONS or user is None:
        return
    with st.expander(t("signoff.title"), expanded=True):
        waiting = reviews.pending(store)
        if waiting.empty:
            st.caption(t("signoff.none"))
            return
        labels = {int(r.run_id): _label(r) for r in waiting.itertuples()}
        run_id = st.selectbox(
            t("signoff.pick"), list(labels), format_func=labels.get, key="signoff_run"
        )
        for step in reviews.reviews(store, run_id).itertuples():
            st.caption(
                t("signoff.step", action=t(f"signoff.{step.action}"), user=step.user)
                + (f" · {step.comment}" if step.comment else "")
            )
        comment = st.text_input(t("signoff.comment"), key="signoff_comment")
        for action, key in BUTTONS[role]:
            if st.button(t(key), key=f"signoff_{action}"):
                try:
                    _STEP[action](store, run_id, user, comment=comment, claims=claims())
                except ReviewError as exc:
                    st.error(exc.message(lang()))
                else:
                    st.toast(t("signoff.done", action=t(f"signoff.{action}"), id=run_id))
                    st.rerun()
