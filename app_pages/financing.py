"""Financing options: the routes compared, the recommendation, each structure, the stresses."""

import math

import streamlit as st

from ui import charts, session
from ui.formatting import money, money_metric, pct, table, translate_codes
from ui.i18n import label, t
from ui.recommendation import sentence
from ui.state import CASH_TARGET, assumptions_doc

# What a treasurer reads first: cash, its cost and value, then the losses, then the notes.
COMPARISON_ORDER = (
    "option", "cash_now", "effective_annual_cost", "npv", "expected_loss_retained",
    "loss_retained_p95", "expected_loss_transferred", "pv_costs", "feasible", "notes",
)  # fmt: skip


def _set_target() -> None:
    assumptions_doc()["cash_target"] = float(st.session_state[CASH_TARGET])


given = session.inputs()
a = given.assumptions
currency = a.currency

st.title(t("financing.title"))
session.source_caption(given)
st.number_input(
    t("field.cash_target") + f" ({currency})",
    min_value=0.0,
    value=float(a.cash_target),
    step=1_000_000.0,
    format="%.0f",
    key=CASH_TARGET,
    on_change=_set_target,
    help=t("field.cash_target_help"),
)

result = session.result(given)
rec = result.recommendation
st.success(
    t("financing.recommended", option=label("option", rec.option))
    if rec.option
    else t("financing.none")
)
st.markdown(sentence(rec, currency, a.cash_target, a.discount_rate))

st.subheader(t("financing.comparison"))
st.caption(t("financing.comparison_caption", rate=pct(a.discount_rate, 1)))
options = translate_codes(result.options, {"option": "option"})
table(options[list(COMPARISON_ORDER)], currency)

st.subheader(t("financing.chart"))
st.caption(t("financing.chart_caption"))
titles = {
    "cash_now": f"{t('col.cash_now')} ({currency})",
    "expected_loss_retained": f"{t('col.expected_loss_retained')} ({currency})",
    "option": t("col.option"),
}
st.altair_chart(
    charts.scatter(options, "cash_now", "expected_loss_retained", "option", titles), width="stretch"
)

st.subheader(t("financing.details"))
loan_tab, trust_tab, abs_tab, clear_tab = st.tabs(
    [label("option", o) for o in ("pledge_loan", "receipt_trust", "abs", "liquidate")]
)
with loan_tab:
    loan = result.pledge_loan
    cols = st.columns(5)
    money_metric(cols[0], t("metric.loan"), loan.loan, currency)
    cols[1].metric(
        t("metric.coverage"), f"{loan.coverage:.2f}×" if math.isfinite(loan.coverage) else "–"
    )
    cols[2].metric(t("metric.all_in_cost"), pct(loan.all_in_cost))
    cols[3].metric(t("metric.margin_call_probability"), pct(loan.margin_call_probability))
    cols[4].metric(t("metric.regulatory_lgd"), pct(loan.regulatory_lgd, 0))
    if loan.requested > 0 and loan.requested > loan.borrowing_base:
        st.warning(
            t(
                "financing.loan_capped",
                requested=money(loan.requested, currency),
                base=money(loan.borrowing_base, currency),
            )
        )
    st.markdown(t("financing.triggers"))
    table(translate_codes(loan.triggers, {"line": "trigger"}), currency)
    st.markdown(t("financing.schedule"))
    table(loan.schedule, currency)
with trust_tab:
    trust = result.receipt_trust
    cols = st.columns(3)
    money_metric(cols[0], t("metric.trust_pool"), trust.pool_value, currency)
    cols[1].metric(t("metric.fair_senior_coupon"), pct(trust.fair_senior_coupon))
    cols[2].metric(t("metric.offered_coupon"), pct(a.receipt_trust.senior_coupon))
    st.markdown(t("financing.waterfall"))
    table(translate_codes(trust.waterfall_table, {"line": "waterfall"}), currency)
with abs_tab:
    deal = result.abs
    cols = st.columns(2)
    money_metric(cols[0], t("metric.abs_issue"), deal.issue_size, currency)
    money_metric(cols[1], t("metric.cash_now"), deal.cash_now, currency)
    st.markdown(t("financing.tranches"))
    table(translate_codes(deal.tranches, {"tranche": "tranche"}), currency)
    st.markdown(t("financing.collections"))
    table(deal.payments, currency)
with clear_tab:
    st.markdown(t("financing.channels"))
    table(
        translate_codes(result.channels, {"channel": "channel", "category": "category"}), currency
    )

st.subheader(t("financing.stress"))
st.caption(t("financing.stress_caption"))
stressed = session.stress(given, result)
headline = translate_codes(stressed.headline, {"stress": "stress", "recommended_option": "option"})
table(headline, currency)
npv = stressed.comparison.pivot(index="stress", columns="option", values="npv_vs_base_value")
npv = npv.reindex(index=stressed.headline["stress"], columns=result.options["option"]).reset_index()
npv = translate_codes(npv, {"stress": "stress"}).rename(
    columns=lambda c: c if c == "stress" else label("option", c)
)
st.caption(t("financing.stress_npv", currency=currency))
st.dataframe(
    npv,
    hide_index=True,
    column_config={
        c: st.column_config.NumberColumn(format="accounting") for c in npv.columns if c != "stress"
    }
    | {"stress": st.column_config.Column(t("col.stress"))},
)
