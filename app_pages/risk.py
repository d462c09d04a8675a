"""Risk: how the stock loses value, the holding loss distribution, the haircut's drivers."""

import pandas as pd
import streamlit as st

from finance.analysis.drivers import PARTS
from finance.risk.profiles import ALL
from ui import charts, compute, session
from ui.formatting import money, money_metric, pct, plain, table
from ui.i18n import label, lang, t
from ui.state import RISK_CATEGORY, RISK_GRID_OPEN

#: Inventories up to this many lots open the demand-risk grid with the page (it reruns the
#: holding schedule 20 times: 0.5 s at the sample's 240 lots, 0.7 s at 10,000, 3 s at
#: 100,000); larger ones compute it when the user opens it.
GRID_OPEN_LOTS = 20_000

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

st.subheader(t("risk.drivers"))
st.caption(t("risk.drivers_caption", rate=rate))
drivers, problems = compute.drivers(given)
if drivers is None:
    session.show_problems(
        problems, t("problems.valuation", n=len(problems), file=plain(given.source))
    )
else:
    parts = {label("driver", k): v for k, v in drivers.parts.items()}
    st.altair_chart(
        charts.waterfall(
            parts,
            label("driver", "total"),
            t("risk.drivers_axis", currency=currency),
            t("col.driver"),
        ),
        width="stretch",
    )
    st.caption(t("risk.drivers_table", value=money(drivers.market_value, currency)))
    keys = [*PARTS, "total"]
    amounts = [*drivers.parts.values(), drivers.holding_loss_at_company_rate]
    mv = drivers.market_value
    table(
        pd.DataFrame(
            {
                "driver": [label("driver", k) for k in keys],
                "amount": amounts,
                "share_of_market_value": [a / mv if mv else float("nan") for a in amounts],
            }
        ),
        currency,
    )

st.subheader(t("risk.sensitivity"))
# The grid reruns the holding schedule once a point: with the page for a small inventory,
# on request for a large one, so that the figures above are not kept waiting.
grid_box = st.expander(
    t("risk.sensitivity_open"),
    expanded=len(given.lots) <= GRID_OPEN_LOTS,
    key=RISK_GRID_OPEN,
    on_change="rerun",
)
with grid_box:
    if grid_box.open:
        grid, problems = compute.demand_grid(given)
        if grid is None:
            session.show_problems(
                problems, t("problems.valuation", n=len(problems), file=plain(given.source))
            )
        else:
            a = given.assumptions
            own = grid[
                (grid["demand_sigma_scale"] == 1.0)
                & (grid["price_demand_correlation"] == a.price_demand_correlation)
            ]["holding_loss_p95"].iloc[0]
            st.caption(
                t(
                    "risk.sensitivity_caption",
                    point=money(own, currency),
                    scenarios=f"{a.scenarios:,}",
                    headline=money(s["holding_loss_p95"], currency),
                )
            )
            shown = grid.assign(
                line=grid["price_demand_correlation"].map(
                    lambda r: t("risk.sensitivity_line", rho=f"{r:g}")
                )
            )
            titles = {
                "demand_sigma_scale": t("risk.sensitivity_scale"),
                "holding_loss_p95": f"{t('col.holding_loss_p95')} ({currency})",
                "line": t("col.price_demand_correlation"),
            }
            st.altair_chart(
                charts.lines(
                    shown,
                    "demand_sigma_scale",
                    "holding_loss_p95",
                    "line",
                    titles,
                    mark=(1.0, float(own), t("risk.sensitivity_mark")),
                    y_zero=False,
                    x_ticks=sorted(grid["demand_sigma_scale"].unique().tolist()),
                ),
                width="stretch",
            )

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
            "aging_loss",
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
