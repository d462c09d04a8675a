"""Export: the workbook, the CSVs, the certificate and the assumptions, to take away.

And saving the valuation to the run history, for the History page.
"""

import streamlit as st

from finance.history import record_message
from finance.history.store import StoreError
from finance.report.assumptions_toml import assumptions_toml
from finance.report.csv import export_table, safe_csv_bytes
from finance.report.excel import EXCEL_MAX_ROWS, workbook_bytes
from ui import compute, history, session
from ui.formatting import money_metric, plain
from ui.i18n import lang, t
from ui.state import BORROWER, BORROWER_INPUT, INVENTORY, SAVE_RUN

given = session.inputs()
result = session.result(given)
stressed = session.stress(given, result)
s, currency = result.summary, given.assumptions.currency
stamp = s["valuation_date"]

st.title(t("export.title"))
session.source_caption(given)
st.markdown(t("export.intro"))
cols = st.columns(3)
money_metric(cols[0], t("metric.market_value"), s["market_value"], currency)
money_metric(cols[1], t("metric.borrowing_base"), s["borrowing_base"], currency)
money_metric(cols[2], t("metric.expected_holding_loss"), s["expected_holding_loss"], currency)

language = lang()  # read here: the downloads are built on their own threads
st.subheader(t("export.workbook"))
if len(result.lots) > EXCEL_MAX_ROWS:
    st.warning(t("export.too_many_rows", lots=f"{len(result.lots):,}"))
else:
    st.download_button(
        t("export.workbook_button"),
        # Built on demand, on the download's own thread: finance takes QuantLib's lock.
        data=lambda: workbook_bytes(result, stressed, lang=language),
        file_name="valuation.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_workbook",
        on_click="ignore",
        icon=":material/table_view:",
        type="primary",
    )
    st.caption(t("export.workbook_caption"))

st.subheader(t("export.memo"))
# Built when clicked, on the download's own thread, through the cache: the same memo
# again costs nothing.
identity = {"inventory_file": given.source, "package_version": compute.package_version()}
st.download_button(
    t("export.memo_button"),
    data=lambda: compute.memo_pdf(given, result, language, identity),
    file_name=f"credit-memo-{stamp}-{language}.pdf",
    mime="application/pdf",
    key="download_memo",
    on_click="ignore",
    icon=":material/picture_as_pdf:",
)
st.caption(t("export.memo_caption"))

st.subheader(t("export.csv"))
# Built when clicked, on the download's own thread (no QuantLib involved): the tables the
# command line writes, in the session's language, money to the cent.
tables = {
    name: lambda name=name: export_table(result, name, language)
    for name in ("lots", "options", "mix", "borrowing_base")
} | {"stress": lambda: stressed.comparison}
for column, (name, frame) in zip(st.columns(len(tables)), tables.items(), strict=True):
    column.download_button(
        f"{name}.csv",
        data=lambda frame=frame: safe_csv_bytes(frame()),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download_{name}",
        on_click="ignore",
        icon=":material/download:",
    )
st.caption(t("export.csv_caption"))

st.subheader(t("export.assumptions"))
st.download_button(
    "assumptions.toml",
    data=assumptions_toml(given.assumptions),
    file_name="assumptions.toml",
    mime="application/toml",
    key="download_assumptions",
    on_click="ignore",
    icon=":material/settings:",
)
st.caption(t("export.assumptions_caption"))

st.subheader(t("history.save"))
st.markdown(t("history.save_intro"))


def _keep_borrower() -> None:
    st.session_state[BORROWER] = st.session_state[BORROWER_INPUT].strip()


left, right = st.columns([3, 1], vertical_alignment="bottom")
left.text_input(
    t("history.save_borrower"),
    value=st.session_state[BORROWER],
    key=BORROWER_INPUT,
    max_chars=200,
    on_change=_keep_borrower,
)
if right.button(t("history.save_button"), key=SAVE_RUN, icon=":material/save:", width="stretch"):
    borrower = st.session_state[BORROWER_INPUT].strip()
    st.session_state[BORROWER] = borrower
    if not borrower:
        st.warning(t("history.save_needs_borrower"))
    else:
        upload = st.session_state.get(INVENTORY) or compute.sample_upload()
        try:
            run_id, raised = history.save_run(result, given.assumptions, upload, borrower)
        except StoreError as exc:
            st.error(t("history.db_error", url=plain(exc.url), reason=plain(exc.reason)))
        else:
            st.success(t("history.saved", id=run_id, borrower=plain(borrower)))
            if raised:
                st.warning(
                    "\n".join(
                        [t("history.saved_alerts", n=len(raised))]
                        + [f"- {plain(record_message(a, language))}" for a in raised]
                    )
                )
            else:
                st.info(t("history.saved_no_alerts"))
            st.page_link("app_pages/history.py", label=t("history.to_history"))
