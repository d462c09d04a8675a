"""Naive per-lot Monte Carlo reference for the expected holding loss (MODEL.md section 6).

Usage::

    python benchmarks/naive_reference.py [--lots 2000] [--paths 10000] [--compare 20]

What a quant might first write: for one lot, a QuantLib price process, a
``ql.GaussianPathGenerator`` over the month-end grid and a Python loop over paths and months
that runs the holding schedule and discounts it on a ``ql.ZeroCurve``. It shares no code
with ``finance.risk.holding``, ``finance.collateral.dynamics`` or
``finance.market.curve``: the schedule, the
markdown counts and the discount curve are written here again from MODEL.md sections 2 and
6. From ``finance`` it takes only the inputs (the category table, the assumptions, the lot
frame) and ``finance.market.calendar.month_offsets`` for the month-end days.

``main`` times ``finance.evaluate`` on a generated inventory (the whole valuation, not just
the holding loss, so the ratio is conservative), times this reference on a handful of its
lots, checks that the two agree within Monte Carlo error, and prints a Markdown table. It
exits with status 1 when they disagree (or the speed-up is below 100x).

Scope
-----
Only lots that cannot expire: their category has ``shelf_life_days == 0`` and the lot has
no ``expiry_date``, so the forced sale before expiry and the salvage step never occur (the
reference raises ``ValueError`` for other lots). Season markdowns *are* handled: the
season ends in ``(t0, t0 + d]`` are counted here from the category's "MM-DD" dates.

Modelling notes
---------------
* The shock X(t) = exp(sigma W(t) - sigma^2 t / 2) is the spot of a Black-Scholes process
  with spot 1, flat zero rate and dividend yield 0 and flat volatility sigma.
  QuantLib's ``GeneralizedBlackScholesProcess`` evolves it exactly in log space, so X is
  lognormal with E[X(t)] = 1. ``ql.GeometricBrownianMotionProcess(1, 0, sigma)`` would also
  be a martingale, but QuantLib steps it with an arithmetic Euler scheme
  (x + sigma x sqrt(dt) dw), which is not lognormal and can go negative; it is not used.
* The curve is a ``ql.ZeroCurve`` (linear in the continuously compounded zero rate,
  Actual/365 Fixed) through t0 at the first rate and one pillar per tenor, each tenor
  advanced from t0 on QuantLib's China SSE calendar, modified following; beyond the last
  pillar the last rate applies (flat). QuantLib's own SSE holidays are used, without the
  project's holiday supplement for 2027 on; no pillar of the default curve falls on one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import QuantLib as ql

from finance import Assumptions, evaluate, load_inventory, parse_assumptions
from finance.inputs.categories import Category
from finance.inputs.sample import generate_inventory, write_inventory
from finance.market.calendar import month_offsets

DAYS_PER_YEAR = 365.0
#: Agreement threshold: |naive - closed form| in naive standard errors.
MAX_Z = 4.0
#: Speed-up the issue asks for.
MIN_SPEEDUP = 100.0


def is_comparable(lot_row: pd.Series, category: Category) -> bool:
    """Whether the reference covers a lot: no shelf life in its category, no expiry date.

    Parameters
    ----------
    lot_row : pandas.Series
        One row of a :func:`finance.load_inventory` frame.
    category : Category
        The lot's category.

    Returns
    -------
    bool
    """
    return category.shelf_life_days == 0 and pd.isna(lot_row.get("expiry_date", pd.NaT))


def _lot_value(lot_row: pd.Series, column: str, default: float) -> float:
    """A lot's numeric field, or ``default`` when the column is missing or blank."""
    value = lot_row.get(column, np.nan)
    return default if value is None or pd.isna(value) else float(value)


def season_end_count(season_ends: tuple[str, ...] | list[str], t0: dt.date, day: dt.date) -> int:
    """Number of season ends ("MM-DD") in ``(t0, day]``.

    Parameters
    ----------
    season_ends : sequence of str
        Month-days, e.g. ``("02-28", "08-31")``.
    t0 : datetime.date
        Valuation date (excluded).
    day : datetime.date
        Last day counted (included).

    Returns
    -------
    int
    """
    count = 0
    for year in range(t0.year, day.year + 1):
        for mmdd in season_ends:
            try:
                end = dt.date(year, int(mmdd[:2]), int(mmdd[3:]))
            except ValueError:  # 29 February in a common year
                continue
            if t0 < end <= day:
                count += 1
    return count


def _zero_curve(
    today: ql.Date, curve: tuple[tuple[str, float], ...]
) -> tuple[ql.ZeroCurve, float, float]:
    """A ``ql.ZeroCurve`` through the tenors, its last pillar's time (years) and rate."""
    cal = ql.China(ql.China.SSE)
    dc = ql.Actual365Fixed()
    pillars = sorted(
        (
            (cal.advance(today, ql.Period(t.strip().upper()), ql.ModifiedFollowing), r)
            for t, r in curve
        ),
        key=lambda item: item[0].serialNumber(),
    )
    dates, rates = [today], [pillars[0][1]]
    for date, rate in pillars:
        if date > dates[-1]:
            dates.append(date)
            rates.append(rate)
    zc = ql.ZeroCurve(dates, rates, dc, cal, ql.Linear(), ql.Continuous)
    return zc, dc.yearFraction(today, dates[-1]), rates[-1]


def _discount(zc: ql.ZeroCurve, last: tuple[float, float], today: ql.Date, days: int) -> float:
    """Discount factor ``days`` calendar days from today; flat beyond the last pillar."""
    t = days / DAYS_PER_YEAR
    last_time, last_rate = last
    if t <= last_time:
        return zc.discount(today + days)
    return math.exp(-last_rate * t)


def naive_holding_loss(
    lot_row: pd.Series,
    category: Category,
    assumptions: Assumptions,
    paths: int,
    seed: int,
) -> tuple[float, float]:
    """Expected holding loss of one lot by plain Monte Carlo with QuantLib.

    The schedule of MODEL.md sections 6 and 7a for a lot without expiry: at each month end
    (t0 + m months, m = 1..horizon_months, unadjusted) ``min(rate, units left)`` units are
    invoiced at ``P = p exp(-erosion t) (1 - markdown)^n(t) X(t)``, collected ``dso_days``
    later less the bad debt ``customer_pd * customer_lgd``, and ``selling_cost * P`` is
    paid on the sale day; storage ``storage_cost / 12 * units held * p`` is billed at the
    start of each month; what is left at the horizon T sells for cash at ``P(T) (1 -
    orderly_discount)``. Everything is discounted on the assumptions' zero curve.

    Parameters
    ----------
    lot_row : pandas.Series
        One row of a :func:`finance.load_inventory` frame: ``quantity``, ``unit_price``,
        ``monthly_sales`` (blank: ``quantity / months_to_clear``), optional ``sigma`` and
        ``erosion`` overrides, ``expiry_date`` (must be blank).
    category : Category
        The lot's category (must have ``shelf_life_days == 0``).
    assumptions : Assumptions
        Valuation date, horizon and zero curve.
    paths : int
        Monte Carlo paths, at least 2.
    seed : int
        Seed of QuantLib's uniform generator, positive (QuantLib takes 0 as "seed from the
        clock").

    Returns
    -------
    mean : float
        ``MV - mean(PV(net proceeds) - PV(storage))`` over the paths, currency.
    std_error : float
        Its Monte Carlo standard error.

    Raises
    ------
    ValueError
        For a lot that can expire, fewer than 2 paths or a seed below 1.
    """
    if not is_comparable(lot_row, category):
        raise ValueError("the naive reference covers only lots without expiry")
    if paths < 2:
        raise ValueError("paths must be at least 2")
    if seed < 1:
        raise ValueError("seed must be positive")

    q = float(lot_row["quantity"])
    p = float(lot_row["unit_price"])
    rate = _lot_value(lot_row, "monthly_sales", q / category.months_to_clear)
    sigma = _lot_value(lot_row, "sigma", category.sigma)
    erosion = _lot_value(lot_row, "erosion", category.erosion)
    t0 = assumptions.valuation_date
    months = assumptions.horizon_months
    days = [int(d) for d in month_offsets(t0, months)]
    times = [d / DAYS_PER_YEAR for d in days]

    # Deterministic part of the price and the discount factors, per month position.
    trend = [
        math.exp(-erosion * times[m])
        * (1.0 - category.markdown)
        ** season_end_count(category.season_ends, t0, t0 + dt.timedelta(days=days[m]))
        for m in range(months + 1)
    ]
    trade = assumptions.trade
    collected = p * (1.0 - trade.customer_pd * trade.customer_lgd)
    selling = p * category.selling_cost
    net_orderly = p * (1.0 - category.orderly_discount)
    storage_rate = category.storage_cost / 12.0 * p

    values = np.empty(paths)
    with ql.SavedSettings():
        today = ql.Date(t0.day, t0.month, t0.year)
        ql.Settings.instance().evaluationDate = today
        zc, last_time, last_rate = _zero_curve(today, assumptions.curve)
        df = [_discount(zc, (last_time, last_rate), today, d) for d in days]
        df_in = [_discount(zc, (last_time, last_rate), today, d + trade.dso_days) for d in days]

        dc = ql.Actual365Fixed()
        flat = ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc))
        vol = ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(today, ql.NullCalendar(), sigma, dc)
        )
        process = ql.GeneralizedBlackScholesProcess(
            ql.QuoteHandle(ql.SimpleQuote(1.0)), flat, flat, vol
        )
        grid = ql.TimeGrid(times[1:])
        rng = ql.GaussianRandomSequenceGenerator(
            ql.UniformRandomSequenceGenerator(len(grid) - 1, ql.UniformRandomGenerator(seed))
        )
        generator = ql.GaussianPathGenerator(process, grid, rng, False)

        for i in range(paths):
            x = generator.next().value()
            left = q
            pv = 0.0
            for m in range(1, months + 1):
                pv -= storage_rate * left * df[m - 1]  # billed in advance on the units held
                sold = min(rate, left)
                price = trend[m] * x[m]
                pv += sold * price * (collected * df_in[m] - selling * df[m])
                left -= sold
            pv += left * net_orderly * trend[months] * x[months] * df[months]
            values[i] = pv

    mean = q * p - float(values.mean())
    std_error = float(values.std(ddof=1)) / math.sqrt(paths)
    return mean, std_error


def _pick(lots: pd.DataFrame, assumptions: Assumptions, count: int) -> list[int]:
    """Positions of up to ``count`` comparable lots, round-robin over their categories."""
    by_category: dict[str, list[int]] = {}
    for pos, (_, row) in enumerate(lots.iterrows()):
        category = assumptions.categories[row["category"]]
        if is_comparable(row, category):
            by_category.setdefault(row["category"], []).append(pos)
    queues = [by_category[name] for name in sorted(by_category)]
    chosen: list[int] = []
    while len(chosen) < count and any(queues):
        for queue in queues:
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the Markdown table; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=2000, help="lots evaluated (vectorised)")
    parser.add_argument("--paths", type=int, default=10_000, help="naive paths per lot")
    parser.add_argument("--compare", type=int, default=20, help="lots run through the naive code")
    parser.add_argument("--scenarios", type=int, default=10_000, help="evaluate's scenarios")
    parser.add_argument("--repeat", type=int, default=3, help="evaluate timings (median)")
    parser.add_argument("--detail", action="store_true", help="also print each lot compared")
    args = parser.parse_args(argv)

    assumptions = parse_assumptions(
        {"valuation_date": dt.date(2026, 11, 24), "scenarios": args.scenarios}
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lots.parquet"
        write_inventory(generate_inventory(args.lots, seed=1, dated=True), path)
        lots = load_inventory(path)

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = evaluate(lots, assumptions)
        times.append(time.perf_counter() - start)
    vectorised = statistics.median(times) / len(lots)
    closed = result.lots["expected_holding_loss"].to_numpy()

    chosen = _pick(lots, assumptions, args.compare)
    if not chosen:
        print("no lot without expiry to compare", file=sys.stderr)
        return 1
    rows = []
    start = time.perf_counter()
    for k, pos in enumerate(chosen):
        row = lots.iloc[pos]
        mean, se = naive_holding_loss(
            row, assumptions.categories[row["category"]], assumptions, args.paths, seed=1000 + k
        )
        rows.append((row["sku"], row["category"], closed[pos], mean, se))
    naive = (time.perf_counter() - start) / len(chosen)

    z, rel, of_mv = [], [], []
    for pos, (_, _, exact, mean, se) in zip(chosen, rows, strict=True):
        diff = abs(mean - exact)
        z.append(diff / se if se > 0 else (0.0 if diff <= 1e-9 * abs(exact) else math.inf))
        rel.append(diff / abs(mean) if mean else 0.0)
        of_mv.append(diff / float(lots["quantity"].iloc[pos] * lots["unit_price"].iloc[pos]))
    speedup = naive / vectorised
    agree = max(z) < MAX_Z

    print(
        "| lots compared | naive paths | naive s/lot | vectorised s/lot | speed-up "
        "| max abs diff / naive SE | max rel diff | max abs diff / MV |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(chosen)} | {args.paths:,} | {naive:.3g} | {vectorised:.3g} | {speedup:,.0f}x "
        f"| {max(z):.2f} | {max(rel):.2%} | {max(of_mv):.2%} |"
    )
    print(
        f"\nvectorised: finance.evaluate (whole valuation) on {len(lots):,} generated lots, "
        f"{args.scenarios:,} scenarios, median of {args.repeat}; naive: "
        f"{args.paths:,} QuantLib paths per lot, lots without expiry only."
    )
    if args.detail:
        print()
        print("| sku | category | closed form | naive | naive SE | diff / SE |")
        print("|---|---|---:|---:|---:|---:|")
        for (sku, cat, exact, mean, se), zi in zip(rows, z, strict=True):
            print(f"| {sku} | {cat} | {exact:,.2f} | {mean:,.2f} | {se:,.2f} | {zi:.2f} |")
    if not agree:
        print(f"FAIL: naive and closed form differ by more than {MAX_Z} standard errors")
    if speedup < MIN_SPEEDUP:
        print(f"FAIL: speed-up below {MIN_SPEEDUP:.0f}x")
    return 0 if agree and speedup >= MIN_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
