"""Risk: how the stock loses value, the holding loss distribution, the haircut's drivers."""

import streamlit as st

from finance.risk.profiles import ALL
from ui import charts, compute, session
from ui.formatting import money, money_metric, pct, table
from ui.i18n import label, lang, t
from ui.state import RISK_CATEGORY

given = session.inputs()
result = session.result(given)
s, currency = result.summary, given.assumptions.currency

st.title(t("risk.title"))
session.source_caption(given)

cols = st.columns(4)
share = s["expected_holding_loss"] / s["market_value"] if s["market_value"] else float("nan")
money_metric(
    cols[0],
    t("metric.expected_holding_loss"),
    s["expected_holding_loss"],
    currency,
    help=t("metric.expected_holding_loss_help", share=pct(share)),
)
rate = pct(given.assumptions.discount_rate, 1)
carrying = s["holding_loss_at_company_rate"] - s["expected_holding_loss"]
money_metric(
    cols[1],
    t("metric.holding_loss_at_company_rate", rate=rate),
    s["holding_loss_at_company_rate"],
    currency,
    help=t(
        "metric.holding_loss_at_company_rate_help", rate=rate, carrying=money(carrying, currency)
    ),
)
money_metric(cols[2], t("metric.holding_loss_p95"), s["holding_loss_p95"], currency)
money_metric(cols[3], t("metric.holding_loss_p99"), s["holding_loss_p99"], currency)

st.subheader(t("risk.decay"))
st.caption(t("risk.decay_caption"))
decay = compute.decay(given)
decay_shown = decay.assign(
    category=decay["category"].map(lambda c: label("category", c)),
    retained=decay["expected_value"] / decay["market_value"].where(decay["market_value"] > 0),
)
titles = {"month": t("col.month"), "retained": t("col.retained"), "category": t("col.category")}
keys = list(dict.fromkeys(decay["category"]))
names = {k: label("category", k) for k in keys}
st.altair_chart(
    charts.lines(
        decay_shown,
        "month",
        "retained",
        "category",
        titles,
        y_format=".0%",
        colours=charts.category_colours(keys, names),
        dashes=charts.category_dashes(keys, names),
    ),
    width="stretch",
)
last = decay_shown[decay_shown["month"] == decay_shown["month"].max()]
st.caption(t("risk.decay_table", months=int(decay["month"].max())))
table(
    last[
        [
            "category",
            "market_value",
            "expected_value",
            "erosion_loss",
            "markdown_loss",
            "expiry_loss",
        ]
    ],
    currency,
)

st.subheader(t("risk.distribution"))
st.caption(
    t(
        "risk.distribution_caption",
        scenarios=f"{given.assumptions.scenarios:,}",
        months=given.assumptions.horizon_months,
    )
)
marks = {
    t("risk.p95", value=money(s["holding_loss_p95"], currency)): s["holding_loss_p95"],
    t("risk.p99", value=money(s["holding_loss_p99"], currency)): s["holding_loss_p99"],
}
st.altair_chart(
    charts.histogram(
        result.holding_losses, marks, f"{t('col.loss')} ({currency})", t("risk.scenarios")
    ),
    width="stretch",
)

st.subheader(t("risk.haircut"))
st.caption(t("risk.haircut_caption"))
profile = compute.haircuts(given)
options = [ALL, *[c for c in profile["category"].unique() if c != ALL]]
chosen = st.selectbox(
    t("risk.haircut_category"),
    options,
    key=f"{RISK_CATEGORY}.{lang()}",
    format_func=lambda c: label("category", c),
)
picked = profile[profile["category"] == chosen].assign(
    confidence=lambda f: f["confidence"].map(lambda c: f"{c:.1%}")
)
titles = {
    "horizon_days": t("col.horizon_days"),
    "haircut": t("col.haircut"),
    "confidence": t("col.confidence"),
}
st.altair_chart(
    charts.lines(picked, "horizon_days", "haircut", "confidence", titles, y_format=".0%"),
    width="stretch",
)

st.subheader(t("risk.haircut_table"))
table(
    result.haircuts[
        [
            "category",
            "lots",
            "liquidation_days",
            "volatility_haircut",
            "basel_haircut",
            "sigma",
            "erosion",
            "markdown",
            "orderly_discount",
        ]
    ].assign(category=lambda f: f["category"].map(lambda c: label("category", c))),
    currency,
)
