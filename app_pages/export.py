"""Export: the workbook, the CSVs, the certificate and the assumptions, to take away."""

import streamlit as st

from finance.certificate import borrowing_base_certificate
from finance.export.assumptions_toml import assumptions_toml
from finance.export.csv import safe_csv_bytes
from finance.export.excel import EXCEL_MAX_ROWS, workbook_bytes
from ui import session
from ui.formatting import money_metric
from ui.i18n import t

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

st.subheader(t("export.workbook"))
if len(result.lots) > EXCEL_MAX_ROWS:
    st.warning(t("export.too_many_rows", lots=f"{len(result.lots):,}"))
else:
    st.download_button(
        t("export.workbook_button"),
        # Built on demand, on the download's own thread: finance takes QuantLib's lock.
        data=lambda: workbook_bytes(result, stressed),
        file_name="valuation.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="download_workbook",
        on_click="ignore",
        icon=":material/table_view:",
        type="primary",
    )
    st.caption(t("export.workbook_caption"))

st.subheader(t("export.csv"))
cols = st.columns(4)
with cols[0]:
    st.download_button(
        "lots.csv",
        data=lambda: safe_csv_bytes(result.lots),
        file_name="lots.csv",
        mime="text/csv",
        key="download_lots",
        on_click="ignore",
        icon=":material/download:",
    )
with cols[1]:
    st.download_button(
        "options.csv",
        data=safe_csv_bytes(result.options),
        file_name="options.csv",
        mime="text/csv",
        key="download_options",
        on_click="ignore",
        icon=":material/download:",
    )
with cols[2]:
    st.download_button(
        "borrowing_base.csv",
        data=safe_csv_bytes(borrowing_base_certificate(result)),
        file_name="borrowing_base.csv",
        mime="text/csv",
        key="download_certificate",
        on_click="ignore",
        icon=":material/download:",
    )
with cols[3]:
    st.download_button(
        "stress.csv",
        data=safe_csv_bytes(stressed.comparison),
        file_name="stress.csv",
        mime="text/csv",
        key="download_stress",
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
