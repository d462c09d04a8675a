"""Calibrate: estimate category fields from a monthly sales history and apply them.

UI only: the reading, the estimates and the backtest are :mod:`finance.calibration`'s
(through the cached :func:`ui.compute.calibrated`).
"""

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from finance.calibration import calibration_frame, calibration_toml, summary_frame
from finance.calibration.calibrate import history_frame
from ui import charts, compute, session
from ui.formatting import plain
from ui.i18n import label, lang, t
from ui.state import (
    CALIBRATE_APPLIED,
    CALIBRATE_APPLY,
    CALIBRATE_CATEGORY,
    CALIBRATE_SAMPLE,
    CALIBRATE_UPLOAD,
    CALIBRATE_UPLOAD_SEEN,
    CATEGORY_BASE,
    CATEGORY_EDITOR,
    HISTORY,
    assumptions_doc,
)
from ui.uploader import file_uploader, newly_uploaded

#: Fields shown in percent (rates and fractions); months_to_clear is in months.
PERCENT_FIELDS = ("sigma", "erosion", "markdown", "demand_sigma")


def _use_sample() -> None:
    st.session_state[HISTORY] = compute.sample_history()
    st.session_state.pop(CALIBRATE_APPLIED, None)
    in_uploader = st.session_state.get(CALIBRATE_UPLOAD)
    st.session_state[CALIBRATE_UPLOAD_SEEN] = (
        in_uploader.file_id if in_uploader is not None else None
    )


def _apply(overrides: Mapping[str, Mapping[str, float]]) -> None:
    """Merge the estimates into the session's category overrides, as the editor stores them."""
    doc = assumptions_doc()
    categories = dict(doc.get("categories") or {})
    for name, fields in overrides.items():
        categories[name] = {**categories.get(name, {}), **fields}
    doc["categories"] = categories
    # The Assumptions page's category editor is rebuilt from the new assumptions.
    for key in [
        k for k in st.session_state if str(k).partition(".")[0] in (CATEGORY_BASE, CATEGORY_EDITOR)
    ]:
        st.session_state.pop(key, None)
    st.session_state[CALIBRATE_APPLIED] = sorted(overrides)


def _shown(field: str, value: float) -> float:
    return value * 100.0 if field in PERCENT_FIELDS else value


st.title(t("calibrate.title"))
st.markdown(t("calibrate.intro"))

upload = file_uploader(
    t("calibrate.upload"),
    key=CALIBRATE_UPLOAD,
    types=("csv", "txt", "xlsx", "xlsm", "parquet", "pq"),
    max_mb=compute.HISTORY_MB,
    help=t("calibrate.upload_help"),
)
if newly_uploaded(upload, CALIBRATE_UPLOAD_SEEN):
    st.session_state[HISTORY] = compute.as_upload(upload.name, upload.getvalue())
    st.session_state.pop(CALIBRATE_APPLIED, None)
st.button(t("calibrate.use_sample"), key=CALIBRATE_SAMPLE, on_click=_use_sample)

current = st.session_state.get(HISTORY)
a = session.assumptions()
session.valuation_date_badge(a)
if current is None:
    st.info(t("calibrate.choose", file=compute.SAMPLE_HISTORY.name))
    st.stop()
is_sample = current[2] == compute.sample_history()[2]
st.info(
    t("calibrate.using_sample", file=current[0])
    if is_sample
    else t("calibrate.using_upload", file=plain(current[0]))
)

found, problems = compute.calibrated(current, a)
if found is None:
    session.show_problems(
        problems, t("calibrate.problems", n=len(problems), file=plain(current[0]))
    )
    st.stop()
history, result, tested = found.history, found.calibration, found.backtest
language = lang()

# The categories that keep their defaults, and why.
with st.container(border=True):
    st.subheader(t("calibrate.defaults"))
    reasons = [p.render_message(language) for p in history.problems]
    absent = [k for k in a.categories if k not in {h.name for h in history.categories}]
    absent = [k for k in absent if k not in history.left_out]
    if absent:
        reasons.append(
            t("calibrate.not_in_history", names="、".join(label("category", k) for k in absent)
              if language == "zh" else ", ".join(label("category", k) for k in absent))
        )  # fmt: skip
    if reasons:
        st.markdown("\n".join(f"- {plain(r)}" for r in reasons))
    else:
        st.caption(t("calibrate.defaults_none"))

if not result.categories:
    st.stop()

# The estimates.
st.subheader(t("calibrate.estimates"))
st.caption(t("calibrate.estimates_caption"))
estimates = calibration_frame(result)
applied = {c.category: c.overrides for c in result.categories}
shown = pd.DataFrame(
    {
        "category": [label("category", k) for k in estimates["category"]],
        "field": [t(f"calibrate.field.{f}") for f in estimates["field"]],
        "estimate": [
            _shown(f, v) for f, v in zip(estimates["field"], estimates["estimate"], strict=True)
        ],
        "std_error": [
            _shown(f, v) for f, v in zip(estimates["field"], estimates["std_error"], strict=True)
        ],
        "months": estimates["months"],
        "applied": [
            _shown(f, applied[k][f])
            for k, f in zip(estimates["category"], estimates["field"], strict=True)
        ],
    }
)
st.dataframe(
    shown,
    hide_index=True,
    column_config={
        "category": st.column_config.TextColumn(t("calibrate.col.category"), pinned=True),
        "field": st.column_config.TextColumn(t("calibrate.col.field")),
        "estimate": st.column_config.NumberColumn(t("calibrate.col.estimate"), format="%.3f"),
        "std_error": st.column_config.NumberColumn(t("calibrate.col.std_error"), format="%.3f"),
        "months": st.column_config.NumberColumn(t("calibrate.col.months"), format="%d"),
        "applied": st.column_config.NumberColumn(t("calibrate.col.applied"), format="%.3f"),
    },
    key="calibrate_estimates",
)
notes = []
for c in result.categories:
    for e in c.estimates:
        value = c.overrides.get(e.field)
        if value is not None and abs(value - e.estimate) > 1e-6:
            notes.append(
                t(
                    "calibrate.bounded",
                    category=label("category", c.category),
                    field=t(f"calibrate.field.{e.field}"),
                    estimate=f"{_shown(e.field, e.estimate):.3f}",
                    value=f"{_shown(e.field, value):.3f}",
                )
            )
no_stock = [c.category for c in result.categories if "months_to_clear" not in c.overrides]
if no_stock:
    names = [label("category", k) for k in no_stock]
    notes.append(t("calibrate.no_stock", names=("、" if language == "zh" else ", ").join(names)))
for note in notes:
    st.caption(note)

apply, download = st.columns(2, vertical_alignment="center")
apply.button(
    t("calibrate.apply"),
    key=CALIBRATE_APPLY,
    type="primary",
    on_click=_apply,
    args=(applied,),
    help=t("calibrate.apply_help"),
    icon=":material/check:",
)
download.download_button(
    t("calibrate.download"),
    data=calibration_toml(result, language),
    file_name="calibrated_categories.toml",
    mime="application/toml",
    key="calibrate_download",
    on_click="ignore",
    icon=":material/download:",
)
if done := st.session_state.get(CALIBRATE_APPLIED):
    names = ("、" if language == "zh" else ", ").join(label("category", k) for k in done)
    st.success(t("calibrate.applied", names=names))
    st.page_link("app_pages/assumptions.py", label=t("calibrate.to_assumptions"))

# One category's history, fit and backtest.
st.subheader(t("calibrate.charts"))
keys = [c.category for c in result.categories]
# Keyed per language (as the Risk page's picker); the labels worked out here, once.
picker = f"{CALIBRATE_CATEGORY}.{language}"
if st.session_state.get(picker) not in keys:
    st.session_state[picker] = keys[0]
names = {k: label("category", k) for k in keys}
chosen = st.selectbox(
    t("calibrate.chart_category"), options=keys, format_func=names.__getitem__, key=picker
)
h = next(x for x in history.categories if x.name == chosen)
fit = next(c for c in result.categories if c.category == chosen)
path = history_frame(h, fit, a.categories)
titles = {"month": t("calibrate.month"), "series": t("calibrate.series")}
price, units = st.columns(2)
with price:
    st.markdown(f"**{t('calibrate.price_chart')}**")
    st.altair_chart(
        charts.month_paths(
            path,
            {
                "price": (t("calibrate.price"), "#1f5f8b", [1, 0]),
                "trend": (t("calibrate.trend"), "#c0392b", [6, 4]),
            },
            {**titles, "value": t("calibrate.price_axis", currency=a.currency)},
            marks=("season_end", "price", t("calibrate.season_end"), "#8e44ad"),
        ),
        width="stretch",
    )
with units:
    st.markdown(f"**{t('calibrate.units_chart')}**")
    st.altair_chart(
        charts.month_paths(
            path,
            {
                "units": (t("calibrate.units"), "#2e8b57", [1, 0]),
                "level": (t("calibrate.level"), "#c0392b", [6, 4]),
            },
            {**titles, "value": t("calibrate.units_axis")},
            y_format=",.0f",
        ),
        width="stretch",
    )

st.subheader(t("calibrate.backtest"))
st.caption(t("calibrate.backtest_caption"))
mine = next((b for b in tested.categories if b.category == chosen), None)
if mine is not None:
    bt_price, bt_units = st.columns(2)
    predicted, realised, band = (
        t("calibrate.predicted"),
        t("calibrate.realised"),
        t("calibrate.band"),
    )
    with bt_price:
        st.markdown(f"**{t('calibrate.backtest_price', month=mine.start_month)}**")
        st.altair_chart(
            charts.month_paths(
                mine.path,
                {
                    "predicted_price": (predicted, "#c0392b", [6, 4]),
                    "realised_price": (realised, "#1f5f8b", [1, 0]),
                },
                {**titles, "value": t("calibrate.price_axis", currency=a.currency)},
                band=("lower_price", "upper_price", band, "#e6a19a"),
            ),
            width="stretch",
        )
    with bt_units:
        st.markdown(f"**{t('calibrate.backtest_units')}**")
        st.altair_chart(
            charts.month_paths(
                mine.path,
                {
                    "predicted_units": (predicted, "#c0392b", [6, 4]),
                    "realised_units": (realised, "#2e8b57", [1, 0]),
                },
                {**titles, "value": t("calibrate.units_axis")},
                band=("lower_units", "upper_units", band, "#e6a19a"),
                y_format=",.0f",
            ),
            width="stretch",
        )
summary = summary_frame(tested)
if len(summary):
    summary["category"] = [label("category", k) for k in summary["category"]]
    st.dataframe(
        summary,
        hide_index=True,
        column_config={
            "category": st.column_config.TextColumn(t("calibrate.col.category"), pinned=True),
            "fitted_months": st.column_config.NumberColumn(t("calibrate.col.fitted"), format="%d"),
            **{
                name: st.column_config.NumberColumn(t(f"calibrate.col.{name}"), format="percent")
                for name in ("predicted_loss", "lower_loss", "upper_loss", "realised_loss")
            },
            "months_outside": st.column_config.NumberColumn(
                t("calibrate.col.months_outside"), format="%d"
            ),
        },
        key="calibrate_backtest",
    )
for note in tested.skipped:
    st.caption(
        t(
            "calibrate.backtest_short",
            category=label("category", note.params["category"]),
            months=note.params["months"],
            horizon=note.params["horizon"],
            need=note.params["need"],
        )
    )
