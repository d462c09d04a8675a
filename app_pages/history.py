"""History: a borrower's saved valuations, their sign-off, trends, alerts and roll-forward.

Runs are saved on the Export page (or by ``python -m finance evaluate --db``) into the
database ``FINANCE_DB_URL`` names (:mod:`ui.history`). Every figure here is one the run
recorded; the roll-forward is :func:`finance.history.rollforward` on two runs' lots, and a
run's credit memo values its stored inputs again. Who did what to each run (submitted,
reviewed, approved, rejected) is in the runs table and in the sign-off section, with the
steps the user's role allows on the run picked (:mod:`ui.signoff`).
"""

import math

import pandas as pd
import streamlit as st

from finance.history import for_presentation, movements, record_message, rollforward
from finance.history.store import StoreError
from finance.report.csv import safe_csv_bytes
from ui import charts, history, signoff
from ui.auth import current_role
from ui.formatting import MONEY_FORMAT, plain
from ui.i18n import label, lang, t
from ui.state import (
    BORROWER,
    HISTORY_BORROWER_PICK,
    MEMO_RUN,
    ROLL_CLOSING,
    ROLL_OPENING,
    SIGNOFF_COMMENT,
    SIGNOFF_RUN,
)

language = lang()  # read here: the downloads are built on their own threads
st.title(t("history.title"))
st.markdown(t("history.intro"))

try:
    every = history.runs()
except StoreError as exc:
    st.error(t("history.db_error", url=plain(exc.url), reason=plain(exc.reason)))
    st.stop()
url = history.db_url()
st.caption(t("history.database", url=history.store().url))
if every.empty:
    st.info(t("history.empty"))
    st.page_link("app_pages/export.py", label=t("history.to_export"), icon=":material/save:")
    st.stop()

# ------------------------------------------------------------------ borrower and runs
borrowers = sorted(set(every["borrower"]), key=str.casefold)
remembered = st.session_state.get(BORROWER) or ""
latest_borrower = str(every["borrower"].iloc[-1])
if st.session_state.get(HISTORY_BORROWER_PICK) not in borrowers:
    st.session_state[HISTORY_BORROWER_PICK] = (
        remembered if remembered in borrowers else latest_borrower
    )
borrower = st.selectbox(t("history.borrower"), borrowers, key=HISTORY_BORROWER_PICK)
runs = every[every["borrower"] == borrower].reset_index(drop=True)
latest = runs.iloc[-1]
currency = str(latest["currency"])


def _codes(found: list) -> str:
    names = [t(f"history.alert.{a.get('code', '')}") for a in found if isinstance(a, dict)]
    return ("、" if language == "zh" else ", ").join(names)


def _created(moment: pd.Timestamp) -> str:
    return pd.Timestamp(moment).strftime("%Y-%m-%d %H:%M")


# The runs' labels in the session's language, made now: a selectbox's format_func may be
# called outside the script's run (where t() would not know the session's language).
_labels = {
    int(row.id): t(
        "history.run_option",
        id=int(row.id),
        date=row.valuation_date.isoformat(),
        created=_created(row.created_at),
    )
    for row in runs.itertuples()
}
_option = _labels.get


store = history.store()
steps = store.reviews()  # every run's sign-off steps, oldest first
status = signoff.latest_status(steps)

st.subheader(t("history.runs"))
shown = pd.DataFrame(
    {
        "id": runs["id"],
        "valuation_date": [d.isoformat() for d in runs["valuation_date"]],
        "created_at": [_created(m) for m in runs["created_at"]],
        "user": runs["user"],
        "status": [status.get(int(i), "") for i in runs["id"]],
        "borrowing_base": runs["borrowing_base"],
        "eligible_value": runs["eligible_value"],
        "coverage": runs["coverage"],
        "recommended_option": [label("option", o) if o else "" for o in runs["recommended_option"]],
        "alerts": [_codes(a) for a in runs["alerts"]],
        "package_version": runs["package_version"],
        "inventory_hash": [h[:12] for h in runs["inventory_sha256"]],
        "assumptions_hash": [h[:12] for h in runs["assumptions_sha256"]],
    }
)
money = {"borrowing_base", "eligible_value"}
config = {
    name: (
        st.column_config.NumberColumn(
            f"{t(f'history.col.{name}')} ({currency})", format=MONEY_FORMAT
        )
        if name in money
        else st.column_config.NumberColumn(t("history.col.coverage"), format="%.2f")
        if name == "coverage"
        else st.column_config.NumberColumn(t("history.col.id"), format="%d", pinned=True)
        if name == "id"
        else st.column_config.Column(t(f"history.col.{name}"))
    )
    for name in shown.columns
}
st.dataframe(shown, column_config=config, hide_index=True, placeholder="–")
st.caption(t("history.runs_caption"))

# ---------------------------------------------------------------------------- sign-off
st.subheader(t("history.signoff"))
ids = [int(i) for i in runs["id"]]
if st.session_state.get(SIGNOFF_RUN) not in ids:
    st.session_state[SIGNOFF_RUN] = ids[-1]
signoff_id = st.selectbox(t("history.signoff_run"), ids, key=SIGNOFF_RUN, format_func=_option)
taken = steps[steps["run_id"] == signoff_id]
if taken.empty:
    st.info(t("history.signoff_none", id=signoff_id))
else:
    st.table(signoff.steps_table(taken), hide_index=True)
role = current_role(store)
offered = signoff.actions_for(store, role)
if offered:
    st.text_input(t("signoff.comment"), key=SIGNOFF_COMMENT, max_chars=1000)
    for column, action in zip(st.columns(len(offered)), offered, strict=True):
        column.button(
            t(signoff.BUTTONS[action]),
            key=f"signoff_{action}",
            on_click=signoff.take,
            args=(action, signoff_id),
            width="stretch",
        )
    signoff.show_outcome()
    st.caption(t("history.signoff_caption_open" if role is None else "history.signoff_caption"))
else:
    st.caption(t("history.signoff_no_step", role=t(f"role.{role}") if role else t("role.none")))

# ------------------------------------------------------------------------------ trends
st.subheader(t("history.trends"))
tick = [f"#{i}" for i in runs["id"]]
titles = {
    "run": t("history.run_axis"),
    "series": t("history.series"),
    "amount": t("history.amount_axis", currency=currency),
}
money_frame = pd.concat(
    [
        pd.DataFrame({"run": tick, "series": t(f"history.col.{c}"), "amount": runs[c]})
        for c in ("eligible_value", "borrowing_base")
    ]
)
left, right = st.columns(2)
left.markdown(f"**{t('history.trend_money')}**")
left.altair_chart(charts.trend(money_frame, "run", "amount", "series", titles), width="stretch")

coverage = runs["coverage"].astype(float)
if coverage.notna().any():
    stored_latest = history.load(int(latest["id"]))
    terms = stored_latest.load_assumptions().pledge_loan
    rules = {
        label("trigger", name): float(getattr(terms, name))
        for name in ("warning_line", "top_up_line", "forced_sale_line")
    }
    cover_frame = pd.DataFrame(
        {"run": tick, "series": t("history.col.coverage"), "coverage": coverage}
    ).dropna()
    right.markdown(f"**{t('history.trend_coverage')}**")
    right.altair_chart(
        charts.trend(
            cover_frame,
            "run",
            "coverage",
            "series",
            titles | {"coverage": t("history.coverage_axis")},
            y_format=",.2f",
            rules=rules,
        ),
        width="stretch",
    )

# The pledge loan's trigger probabilities, where the runs' summaries recorded them.
PROBABILITIES = ("p_warning", "p_top_up", "p_forced_sale", "margin_call_probability")
summaries = [history.summary(int(i)) for i in runs["id"]]
found = [k for k in PROBABILITIES if any(isinstance(s.get(k), int | float) for s in summaries)]
if found:
    names = {
        "p_warning": t("history.trend_p_warning"),
        "p_top_up": t("history.trend_p_top_up"),
        "p_forced_sale": t("history.trend_p_forced_sale"),
        "margin_call_probability": t("history.trend_probability"),
    }
    prob_frame = pd.DataFrame(
        [
            {"run": r, "series": names[k], "probability": float(s[k])}
            for r, s in zip(tick, summaries, strict=True)
            for k in found
            if isinstance(s.get(k), int | float) and math.isfinite(s[k])
        ]
    )
    left, _ = st.columns(2)
    left.markdown(f"**{t('history.trend_probabilities')}**")
    left.altair_chart(
        charts.trend(
            prob_frame,
            "run",
            "probability",
            "series",
            titles | {"probability": t("history.probability_axis")},
            y_format=".1%",
        ),
        width="stretch",
    )
if len(runs) < 2:
    st.info(t("history.one_run"))

# ------------------------------------------------------------------------------ alerts
st.subheader(t("history.alerts"))
latest_id = int(latest["id"])
st.caption(t("history.alerts_caption", id=latest_id))
raised = [a for a in latest["alerts"] if isinstance(a, dict)]
for alert in raised:
    st.warning(plain(record_message(alert, language)), icon=":material/warning:")
if not raised:
    st.success(t("history.no_alerts", id=latest_id))


# ------------------------------------------------------------------------ roll-forward
def _line(code: str) -> str:
    if code.startswith("turned_ineligible:"):
        return t("history.line.turned_ineligible_for", reason=label("reason", code.split(":")[1]))
    return t(f"history.line.{code}")


if len(runs) >= 2:
    st.subheader(t("history.rollforward"))
    ids = [int(i) for i in runs["id"]]
    for key, default in ((ROLL_OPENING, ids[-2]), (ROLL_CLOSING, ids[-1])):
        if st.session_state.get(key) not in ids:
            st.session_state[key] = default
    left, right = st.columns(2)
    opening_id = left.selectbox(t("history.opening"), ids, key=ROLL_OPENING, format_func=_option)
    closing_id = right.selectbox(t("history.closing"), ids, key=ROLL_CLOSING, format_func=_option)
    st.caption(t("history.rollforward_caption"))
    if opening_id == closing_id:
        st.info(t("history.same_run"))
    else:
        table = rollforward(history.load(opening_id).lots, history.load(closing_id).lots)
        rounded = for_presentation(table)
        view = rounded.assign(line=[_line(c) for c in rounded["line"]])
        st.dataframe(
            view,
            hide_index=True,
            height=35 * (len(view) + 1) + 3,  # every line in view: a statement, read whole
            column_config={
                "line": st.column_config.Column(t("history.col.line"), pinned=True),
                "eligible_value": st.column_config.NumberColumn(
                    f"{t('history.col.eligible_value')} ({currency})", format=MONEY_FORMAT
                ),
                "borrowing_base": st.column_config.NumberColumn(
                    f"{t('history.col.borrowing_base')} ({currency})", format=MONEY_FORMAT
                ),
                "lots": st.column_config.NumberColumn(t("history.col.lots"), format="localized"),
            },
        )
        tabs = st.tabs([t("history.ev_tab"), t("history.bb_tab")])
        moved = movements(table)
        for tab, column in zip(tabs, ("eligible_value", "borrowing_base"), strict=True):
            start = float(table[column].iloc[0])
            parts = {_line("opening"): start} | {
                _line(c): float(v)
                for c, v in zip(moved["line"], moved[column], strict=True)
                if abs(v) >= 0.005
            }
            tab.altair_chart(
                charts.waterfall(
                    parts,
                    _line("closing"),
                    t("history.waterfall_axis", currency=currency),
                    t("history.col.line"),
                    colours=charts.ROLLFORWARD_COLOURS,
                    opening=True,
                ),
                width="stretch",
            )
        st.download_button(
            t("history.download_rollforward"),
            data=safe_csv_bytes(rounded),
            file_name="rollforward.csv",
            mime="text/csv",
            key="download_rollforward",
            on_click="ignore",
            icon=":material/download:",
        )
        st.caption(t("history.rollforward_csv_caption"))

# ------------------------------------------------------------------------------- memo
st.subheader(t("history.memo"))
ids = [int(i) for i in runs["id"]]
if st.session_state.get(MEMO_RUN) not in ids:
    st.session_state[MEMO_RUN] = ids[-1]
memo_id = st.selectbox(t("history.memo_run"), ids, key=MEMO_RUN, format_func=_option)
st.download_button(
    t("history.memo_button", id=memo_id),
    # Built when clicked, on the download's own thread: the run valued again, cached.
    data=lambda: history.memo_pdf(memo_id, language, url),
    file_name=f"credit-memo-run-{memo_id}-{language}.pdf",
    mime="application/pdf",
    key="download_run_memo",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
)
st.caption(t("history.memo_caption"))
