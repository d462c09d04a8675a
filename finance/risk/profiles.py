"""Profiles for the risk view: value decay over time and the haircut over policy choices.

Two tables a treasurer and a lender read as charts:

* :func:`value_decay`: expected value of today's stock, if it were neither sold nor
  replenished, at each month end per category, with the loss split by cause (price
  erosion, season markdowns, expiry, the aging reserve). It shows *why* stock loses value;
  the holding loss of docs/model.md section 6 adds the sales schedule, storage and
  discounting on top.
* :func:`haircut_profile`: the closed-form haircut (docs/model.md section 5), weighted by the
  eligible market value, against the liquidation horizon and the lender's confidence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from finance.collateral.dynamics import aging_reserve_of, markdown_counts, price_factor
from finance.collateral.eligibility import ineligible_reasons
from finance.collateral.haircut import lognormal_haircut
from finance.collateral.lots import prepare_lots
from finance.inputs.assumptions import Assumptions
from finance.market.calendar import month_offsets
from finance.market.curve import DAYS_PER_YEAR

#: Liquidation horizons (calendar days, T_m + T_o) and confidences of the haircut profile.
HORIZONS_DAYS: tuple[int, ...] = (7, 14, 21, 30, 45, 60, 90, 120, 180)
CONFIDENCES: tuple[float, ...] = (0.90, 0.95, 0.975, 0.99, 0.995)
ALL = "all"


def value_decay(
    lots: pd.DataFrame, assumptions: Assumptions, months: int | None = None
) -> pd.DataFrame:
    """Expected value of today's stock per category at each month end, split by cause.

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory.
    assumptions : Assumptions
    months : int, optional
        Months to show (default: ``assumptions.horizon_months``).

    Returns
    -------
    pandas.DataFrame
        One row per category and month m = 0..months: ``category``, ``month``, ``date``
        (t0 + m months, QuantLib, unadjusted), ``days``, ``market_value`` (today's, currency),
        ``expected_value`` = sum of MV E[X] exp(-delta t)(1 - m)^n(t) S(t) (1 - r(a + t))
        (E[X] = 1; ``r`` the aging reserve of the lot's age then, docs/model.md section 6a),
        and the loss to date split in the order the factors apply: ``erosion_loss`` =
        MV (1 - e), ``markdown_loss`` = MV e (1 - M), ``expiry_loss`` = MV e M (1 - S),
        ``aging_loss`` = MV e M S r. The four add up to ``market_value - expected_value``
        exactly.
    """
    a = assumptions
    months = a.horizon_months if months is None else months
    t0 = a.valuation_date
    prepared = prepare_lots(lots, a.categories, t0)
    days = month_offsets(t0, months)
    counts = markdown_counts(prepared.categories, t0, int(days[-1]))
    mv = prepared.market_value
    markdown = prepared.param("markdown")
    salvage = prepared.param("salvage")
    n_cat = len(prepared.category_names)
    # The table shows every category of the table in force, those without lots as zeros;
    # the lots carry only the categories they use (finance.collateral.lots).
    names = list(a.categories)
    used_at = pd.Index(names).get_indexer(prepared.category_names)
    frames = []
    for m, d in enumerate(days):
        # One month at a time over all lots: months (tens) x lots, never lots x scenarios.
        erosion = np.exp(-prepared.erosion * d / DAYS_PER_YEAR)
        marks = (1.0 - markdown) ** counts[prepared.category, d]
        expiry = np.where(d >= prepared.expiry_day, salvage, 1.0)
        reserve = aging_reserve_of(prepared, prepared.age_days + int(d))
        parts = np.stack(
            [
                mv,
                mv * erosion * marks * expiry * (1.0 - reserve),
                mv * (1.0 - erosion),
                mv * erosion * (1.0 - marks),
                mv * erosion * marks * (1.0 - expiry),
                mv * erosion * marks * expiry * reserve,
            ]
        )
        sums = np.zeros((len(parts), len(names)))
        sums[:, used_at] = [np.bincount(prepared.category, w, minlength=n_cat) for w in parts]
        frames.append(
            pd.DataFrame(
                {
                    "category": names,
                    "month": m,
                    "date": t0 + pd.Timedelta(days=int(d)),
                    "days": int(d),
                    "market_value": sums[0],
                    "expected_value": sums[1],
                    "erosion_loss": sums[2],
                    "markdown_loss": sums[3],
                    "expiry_loss": sums[4],
                    "aging_loss": sums[5],
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    table["date"] = pd.to_datetime(table["date"]).dt.date
    return table.sort_values(["category", "month"], kind="stable").reset_index(drop=True)


def haircut_profile(
    lots: pd.DataFrame,
    assumptions: Assumptions,
    horizons_days: Sequence[int] = HORIZONS_DAYS,
    confidences: Sequence[float] = CONFIDENCES,
) -> pd.DataFrame:
    """Eligible-value-weighted haircut against liquidation horizon and confidence.

    Each lot's haircut is the closed form of docs/model.md section 5 with H the given horizon
    (instead of its category's T_m + T_o): volatility, erosion, markdowns and expiry up to
    H, and the orderly discount. Lots ineligible under the assumptions carry no weight.

    Parameters
    ----------
    lots : pandas.DataFrame
        Validated inventory.
    assumptions : Assumptions
    horizons_days : sequence of int
        Liquidation horizons H, calendar days (Actual/365 Fixed year fraction).
    confidences : sequence of float
        Lender's confidence alpha, each in (0.5, 1).

    Returns
    -------
    pandas.DataFrame
        ``category`` (each category with eligible value, then ``"all"``), ``horizon_days``,
        ``confidence``, ``haircut`` (fraction of eligible market value), ``eligible_value``.
    """
    a = assumptions
    prepared = prepare_lots(lots, a.categories, a.valuation_date)
    eligible = ineligible_reasons(prepared, a.margin_period_days) == ""
    weights = np.where(eligible, prepared.market_value, 0.0)
    horizons = np.asarray(horizons_days, dtype=np.int64)
    counts = markdown_counts(prepared.categories, a.valuation_date, int(horizons.max(initial=0)))
    n_cat = len(prepared.category_names)
    by_category = np.bincount(prepared.category, weights, minlength=n_cat)
    orderly = prepared.param("orderly_discount")
    rows = []
    for h in horizons:
        factor = price_factor(prepared, counts, int(h))
        for alpha in confidences:
            cut = lognormal_haircut(prepared.sigma, h / DAYS_PER_YEAR, alpha, factor, orderly)
            cut_value = np.bincount(prepared.category, weights * cut, minlength=n_cat)
            for k, name in enumerate(prepared.category_names):
                if by_category[k] > 0:
                    rows.append(
                        (name, int(h), alpha, cut_value[k] / by_category[k], by_category[k])
                    )
            total = by_category.sum()
            rows.append((ALL, int(h), alpha, cut_value.sum() / total if total else np.nan, total))
    return pd.DataFrame(
        rows, columns=["category", "horizon_days", "confidence", "haircut", "eligible_value"]
    )
