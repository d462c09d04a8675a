"""Collateral, the lender's view: values, eligibility, haircuts, the borrowing base."""

import pandas as pd
import streamlit as st

from finance.report.certificate import borrowing_base_certificate
from finance.report.csv import certificate_csv_bytes
from finance.report.summary import concentration_table
from ui import charts, session
from ui.formatting import MONEY_FORMAT, money_metric, pct, table, translate_codes
from ui.i18n import label, lang, t

given = session.inputs()
result = session.result(given)
s, currency = result.summary, given.assumptions.currency

st.title(t("collateral.title"))
session.source_caption(given)

cols = st.columns(5)
money_metric(cols[0], t("metric.market_value"), s["market_value"], currency)
money_metric(cols[1], t("metric.eligible_value"), s["eligible_value"], currency)
money_metric(cols[2], t("metric.borrowing_base"), s["borrowing_base"], currency)
cols[3].metric(
    t("metric.portfolio_haircut"),
    pct(s["portfolio_haircut"]),
    help=t("metric.portfolio_haircut_help"),
)
cols[4].metric(t("metric.weighted_lot_haircut"), pct(s["weighted_lot_haircut"]))

st.subheader(t("collateral.ladder"))
st.caption(t("collateral.ladder_caption"))
ladder = pd.DataFrame(
    {
        "step": [
            label("ladder", k) for k in ("market_value", "nrv", "olv", "flv", "borrowing_base")
        ],
        "value": [s["market_value"], s["nrv"], s["olv"], s["flv"], s["borrowing_base"]],
    }
)
st.altair_chart(charts.ordered_bars(ladder, "step", "value", "", currency), width="stretch")

left, right = st.columns(2)
with left:
    st.subheader(t("collateral.ineligible"))
    reasons = pd.DataFrame(
        {
            "reason": list(s["ineligible_by_reason"]),
            "market_value": list(s["ineligible_by_reason"].values()),
        }
    )
    reasons = reasons[reasons["market_value"] > 0].sort_values("market_value", ascending=False)
    if reasons.empty:
        st.info(t("collateral.all_eligible"))
    else:
        shown = translate_codes(reasons, {"reason": "reason"})
        st.altair_chart(
            charts.ranked_bars(shown, "reason", "market_value", currency), width="stretch"
        )
with right:
    st.subheader(t("collateral.concentration"))
    st.caption(
        t("collateral.concentration_caption", limit=pct(given.assumptions.concentration_limit, 0))
    )
    table(translate_codes(concentration_table(result.lots), {"category": "category"}), currency)

st.subheader(t("collateral.certificate"))
st.caption(t("collateral.certificate_caption", date=s["valuation_date"], currency=currency))
certificate = borrowing_base_certificate(result)
lines = certificate.assign(line=certificate["line"].map(lambda k: label("certificate", k)))
amounts = lines[certificate["kind"] != "ratio"][["line", "lots", "amount"]]
st.dataframe(
    amounts,
    hide_index=True,
    height=35 * (len(amounts) + 1) + 3,
    placeholder="",
    column_config={
        "line": st.column_config.Column(t("certificate.col_line"), width="large"),
        "lots": st.column_config.NumberColumn(t("col.lots")),
        "amount": st.column_config.NumberColumn(
            t("certificate.col_amount", currency=currency), format=MONEY_FORMAT
        ),
    },
)
ratio = lines[certificate["kind"] == "ratio"].iloc[0]
st.markdown(f"{ratio['line']}: **{pct(ratio['amount'])}**")
st.download_button(
    t("collateral.certificate_download"),
    # The one certificate CSV: the same as the Export page's and the command line's.
    data=certificate_csv_bytes(result, lang()),
    file_name="borrowing_base.csv",
    mime="text/csv",
    key="certificate_download",
    on_click="ignore",
    icon=":material/download:",
)

st.subheader(t("collateral.lots"))
lot_columns = [
    # The lender's answer first (eligible, lendable value), the values behind it after.
    "sku", "category", "eligible", "lendable_value", "ineligible_reason", "haircut",
    "binding_limit", "market_value", "nrv", "olv", "flv", "concentration_excess", "warehouse",
]  # fmt: skip
lots = translate_codes(
    result.lots[lot_columns],
    {"category": "category", "ineligible_reason": "reason", "binding_limit": "limit"},
)
table(lots, currency, height=420)
