"""Financing options: the recommendation, the mix, the routes compared, each structure."""

import math

import streamlit as st

from ui import charts, session
from ui.formatting import MONEY_FORMAT, money, money_metric, pct, table, translate_codes
from ui.i18n import label, lang, t
from ui.recommendation import ROUTES, headline, notes, sentence
from ui.state import CASH_TARGET, DETAILS_TAB, MAX_LOSS, STRESS_OPEN, assumptions_doc

# What a treasurer reads first: cash, what a route adds to holding, its cost and value,
# then the losses, the noise and the notes.
COMPARISON_ORDER = (
    "option", "cash_now", "npv_vs_hold", "status", "effective_annual_cost", "npv",
    "expected_loss_retained", "loss_retained_p95", "expected_loss_transferred", "pv_costs",
    "npv_std_error", "funding_value", "rate_effect", "notes",
)  # fmt: skip


def _set_target() -> None:
    assumptions_doc()["cash_target"] = float(st.session_state[CASH_TARGET])


def _set_limit() -> None:
    assumptions_doc()["max_loss_p95"] = float(st.session_state[MAX_LOSS])


given = session.inputs()
a = given.assumptions
currency = a.currency

st.title(t("financing.title"))
session.source_caption(given)
target_col, limit_col = st.columns(2)
target_col.number_input(
    t("field.cash_target") + f" ({currency})",
    min_value=0.0,
    value=float(a.cash_target),
    step=1_000_000.0,
    format="%.0f",
    key=CASH_TARGET,
    on_change=_set_target,
    help=t("field.cash_target_help"),
)
limit_col.number_input(
    t("field.max_loss_p95") + f" ({currency})",
    min_value=0.0,
    value=float(a.max_loss_p95),
    step=1_000_000.0,
    format="%.0f",
    key=MAX_LOSS,
    on_change=_set_limit,
    help=t("field.max_loss_p95_help"),
)

result = session.result(given)
rec = result.recommendation
options = result.options
box = headline(rec, currency, a.cash_target, a.max_loss_p95)
if rec.is_recommendation:
    st.success(box, icon=":material/check_circle:")
elif rec.kind == "target_out_of_reach":
    st.warning(box, icon=":material/block:")
else:
    st.warning(box)
if rec.kind not in ("", "none_feasible"):
    st.markdown(sentence(rec, currency, a.cash_target, a.discount_rate, options, a.max_loss_p95))
if rec.is_recommendation:
    chosen = options[options["option"] == rec.option].iloc[0]
    cols = st.columns(4)
    money_metric(cols[0], t("metric.cash_now"), chosen["cash_now"], currency)
    money_metric(cols[1], t("metric.npv_vs_hold"), chosen["npv_vs_hold"], currency)
    money_metric(cols[2], t("metric.npv"), chosen["npv"], currency)
    money_metric(cols[3], t("metric.loss_p95"), chosen["loss_retained_p95"], currency)

st.subheader(t("financing.mix"))
mix_row = options[options["option"] == "mix"]
mix_feasible = len(mix_row) and bool(mix_row["feasible"].iloc[0]) and not result.mix.empty
if mix_feasible:
    st.caption(
        t(
            "financing.mix_caption",
            cash=money(mix_row["cash_now"].iloc[0], currency),
            loss=money(mix_row["loss_retained_p95"].iloc[0], currency),
        )
    )
    routes = {code: label("option", code) for code in ROUTES}
    shown_mix = translate_codes(result.mix, {"category": "category", "route": "option"})
    titles = {
        name: t(f"col.{name}")
        for name in ("category", "route", "share", "market_value", "cash_now")
    }
    st.altair_chart(
        charts.share_bars(
            shown_mix.assign(route_code=result.mix["route"]), routes, titles, currency
        ),
        width="stretch",
    )
    # What goes where, one row per category: its value, the cash it raises, its split.
    split = result.mix.pivot_table(
        index="category", columns="route", values="share", aggfunc="sum", sort=False
    )
    used = [r for r in ROUTES if r in split.columns]
    wide = (
        result.mix.groupby("category", sort=False)[["market_value", "cash_now"]]
        .sum()
        .join(split[used])
        .sort_values("market_value", ascending=False)
        .reset_index()
    )
    wide = translate_codes(wide, {"category": "category"})
    money_column = {"format": MONEY_FORMAT}
    st.dataframe(
        wide,
        hide_index=True,
        placeholder="–",
        column_config={
            "category": st.column_config.Column(t("col.category"), pinned=True),
            "market_value": st.column_config.NumberColumn(
                f"{t('col.market_value')} ({currency})", **money_column
            ),
            "cash_now": st.column_config.NumberColumn(
                f"{t('col.cash_now')} ({currency})", **money_column
            ),
        }
        | {
            r: st.column_config.NumberColumn(
                label("option", r), format="percent", help=t("financing.mix_share_help")
            )
            for r in used
        },
    )
else:
    reason = notes(result, "mix") if len(mix_row) else ""
    st.info(t("financing.mix_none", reason=reason))

st.subheader(t("financing.comparison"))
st.caption(t("financing.comparison_caption", rate=pct(a.discount_rate, 1)))
infeasible = options[~options["feasible"].astype(bool)]
for row in infeasible.itertuples():
    st.markdown(
        t(
            "financing.infeasible",
            option=label("option", row.option),
            reason=notes(result, row.option),
        )
    )
compared = options.assign(
    status=[t("status.feasible") if f else t("status.not_feasible") for f in options["feasible"]],
    notes=[notes(result, o) for o in options["option"]],
)
compared = translate_codes(compared, {"option": "option"})
table(compared[list(COMPARISON_ORDER)], currency)

st.subheader(t("financing.chart"))
st.caption(t("financing.chart_caption"))
titles = {
    "cash_now": f"{t('col.cash_now')} ({currency})",
    "expected_loss_retained": f"{t('col.expected_loss_retained')} ({currency})",
    "option": t("col.option"),
}
st.altair_chart(
    charts.scatter(compared, "cash_now", "expected_loss_retained", "option", titles),
    width="stretch",
)

st.subheader(t("financing.details"))
# Only the open tab is drawn (the others' tables cost the browser time for nothing); a
# click on another reruns the page from the cache. Keyed by language: the labels change.
loan_tab, trust_tab, abs_tab, clear_tab = st.tabs(
    [label("option", o) for o in ("pledge_loan", "receipt_trust", "abs", "liquidate")],
    key=f"{DETAILS_TAB}.{lang()}",
    on_change="rerun",
)
with loan_tab:
    if loan_tab.open:
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
        if loan.margin_at_drawdown > 0:
            st.info(
                t("financing.margin_at_drawdown", margin=money(loan.margin_at_drawdown, currency))
            )
        st.markdown(t("financing.triggers"))
        table(translate_codes(loan.triggers, {"line": "trigger"}), currency)
        st.markdown(t("financing.schedule"))
        table(loan.schedule, currency)
with trust_tab:
    if trust_tab.open:
        trust = result.receipt_trust
        cols = st.columns(3)
        money_metric(cols[0], t("metric.trust_pool"), trust.pool_value, currency)
        cols[1].metric(t("metric.fair_senior_coupon"), pct(trust.fair_senior_coupon))
        cols[2].metric(t("metric.offered_coupon"), pct(a.receipt_trust.senior_coupon))
        if trust.repriced:
            st.info(
                t(
                    "financing.trust_repriced",
                    fair=pct(trust.fair_senior_coupon),
                    offered=pct(trust.offered_coupon),
                )
            )
        st.markdown(t("financing.waterfall"))
        table(translate_codes(trust.waterfall_table, {"line": "waterfall"}), currency)
with abs_tab:
    if abs_tab.open:
        deal = result.abs
        cols = st.columns(2)
        money_metric(cols[0], t("metric.abs_issue"), deal.issue_size, currency)
        money_metric(cols[1], t("metric.cash_now"), deal.cash_now, currency)
        st.markdown(t("financing.tranches"))
        table(translate_codes(deal.tranches, {"tranche": "tranche"}), currency)
        st.markdown(t("financing.collections"))
        table(deal.payments, currency)
with clear_tab:
    if clear_tab.open:
        st.markdown(t("financing.channels"))
        table(
            translate_codes(result.channels, {"channel": "channel", "category": "category"}),
            currency,
        )

st.subheader(t("financing.stress"))
st.caption(t("financing.stress_caption"))
# The stress test revalues everything five more times (about 2 s for 10,000 lots): it runs
# when the user opens it, so that the answer above is not kept waiting for it.
stress_box = st.expander(t("financing.stress_open"), key=STRESS_OPEN, on_change="rerun")
with stress_box:
    if stress_box.open:
        stressed = session.stress(given, result)
        stress_table = translate_codes(
            stressed.headline, {"stress": "stress", "recommended_option": "option"}
        )
        table(stress_table, currency)
        npv = stressed.comparison.pivot(
            index="stress", columns="option", values="npv_vs_base_value"
        )
        npv = npv.reindex(
            index=stressed.headline["stress"], columns=result.options["option"]
        ).reset_index()
        npv = translate_codes(npv, {"stress": "stress"}).rename(
            columns=lambda c: c if c == "stress" else label("option", c)
        )
        st.caption(t("financing.stress_npv", currency=currency))
        st.dataframe(
            npv,
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(format=MONEY_FORMAT)
                for c in npv.columns
                if c != "stress"
            }
            | {"stress": st.column_config.Column(t("col.stress"))},
        )
