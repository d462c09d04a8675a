"""Naive per-lot Monte Carlo reference for the expected holding loss (MODEL.md sections 6, 6a).

Usage::

    python benchmarks/naive_reference.py [--lots 2000] [--paths 10000] [--compare 20]

What a quant might first write: for one lot, a QuantLib price process, a
``ql.GaussianPathGenerator`` over the month-end grid and a Python loop over paths and months
that runs the holding schedule and discounts it on a ``ql.ZeroCurve``. It shares no code
with ``finance.risk.holding``, ``finance.risk.demand``, ``finance.collateral.dynamics`` or
``finance.market.curve``: the schedule, the markdown counts, the demand level, the aging
buckets and the discount curve are written here again from MODEL.md sections 2, 6 and 6a.
From ``finance`` it takes only the inputs (the category table, the assumptions, the lot
frame) and ``finance.market.calendar.month_offsets`` for the month-end days.

``main`` times ``finance.evaluate`` on a generated inventory (the whole valuation, not just
the holding loss, so the ratio is conservative), times this reference on a handful of its
lots, checks that the two agree within Monte Carlo error (plus :data:`DEMAND_BIN_ALLOWANCE`
for the engine's demand bins), and prints a Markdown table. It exits with status 1 when
they disagree (or the speed-up is below 100x).

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
* Demand risk (section 6a) is continuous, path by path: the price Brownian motion at
  exactly t = 1 year is on the QuantLib time grid, W(1) = (ln X(1) + sigma^2 / 2) / sigma
  is recovered from the path (for sigma = 0 it is drawn as its own standard normal),
  V = rho_PD W(1) + sqrt(1 - rho_PD^2) xi with xi standard normal from its own generator
  (NumPy's, seeded with the lot's seed), and D = exp(sigma_D V - sigma_D^2 / 2) scales the
  monthly rate of sale for the whole horizon. The engine's demand bins are not reproduced:
  this is the continuous law the bins approximate. Unsold stock stays held (storage) until
  the horizon's orderly sale, as in section 6.
* Aging reserve (section 6a): a unit sold ``d`` days after t0 is ``a = age0 + d`` days old,
  with ``age0`` the lot's ``age_days`` (or, when blank, t0 minus its ``received_date``),
  and fetches ``P (1 - reserve(a))`` with the category's ``aging_reserve`` for the buckets
  0-90, 91-180, 181-365, 366-730 and over 730 days (upper ends inclusive). The reserve
  applies to the monthly sales and to the horizon's orderly sale alike; the selling cost
  is a fraction of the price fetched, and storage (a fraction of ``p``) does not see it.
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
#: Allowance beside MAX_Z standard errors, as a fraction of the naive loss, for the engine's
#: demand bins (tilted weights): they put its expected loss below the continuous law's,
#: measured 0.08-0.29% of the loss against a quadrature over the demand level on
#: zero-volatility lots, about 0.15-0.35% with volatility (200,000 paths).
DEMAND_BIN_ALLOWANCE = 0.003
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


#: Upper ends (days of age, inclusive) of the aging buckets but the last (MODEL.md 6a).
AGING_EDGES = (90, 180, 365, 730)


def reserve_at(aging_reserve: tuple[float, ...] | list[float], age: float) -> float:
    """Aging reserve fraction of a unit ``age`` days old.

    Parameters
    ----------
    aging_reserve : sequence of float
        The category's five reserve fractions for 0-90, 91-180, 181-365, 366-730 and over
        730 days of age.
    age : float
        Age in days.

    Returns
    -------
    float
    """
    bucket = 0
    while bucket < len(AGING_EDGES) and age > AGING_EDGES[bucket]:
        bucket += 1
    return float(aging_reserve[bucket])


def lot_age(lot_row: pd.Series, t0: dt.date) -> float:
    """A lot's age in days at ``t0``: its ``age_days``, or t0 minus its ``received_date``.

    Parameters
    ----------
    lot_row : pandas.Series
        One row of a :func:`finance.load_inventory` frame.
    t0 : datetime.date
        Valuation date.

    Returns
    -------
    float
    """
    age = lot_row.get("age_days", np.nan)
    if age is not None and not pd.isna(age):
        return float(age)
    received = lot_row.get("received_date", pd.NaT)
    if received is None or pd.isna(received):
        raise ValueError("the lot has neither age_days nor received_date")
    return float((t0 - pd.Timestamp(received).date()).days)


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

    The schedule of MODEL.md sections 6, 6a and 7a for a lot without expiry: at each month
    end (t0 + m months, m = 1..horizon_months, unadjusted) ``min(rate D, units left)``
    units are invoiced at ``P (1 - reserve(a))``, ``P = p exp(-erosion t) (1 -
    markdown)^n(t) X(t)``, ``a`` the lot's age on the sale day, collected ``dso_days``
    later less the bad debt ``customer_pd * customer_lgd``, and ``selling_cost`` times that
    price is paid on the sale day; storage ``storage_cost / 12 * units held * p`` is billed
    at the start of each month; what is left at the horizon T sells for cash at ``P(T) (1 -
    reserve(a_T)) (1 - orderly_discount)``. Everything is discounted on the assumptions'
    zero curve. ``D = exp(sigma_D V - sigma_D^2 / 2)`` is the path's demand level, ``V =
    rho_PD W(1) + sqrt(1 - rho_PD^2) xi`` (see the module's notes).

    Parameters
    ----------
    lot_row : pandas.Series
        One row of a :func:`finance.load_inventory` frame: ``quantity``, ``unit_price``,
        ``monthly_sales`` (blank: ``quantity / months_to_clear``), optional ``sigma`` and
        ``erosion`` overrides, ``expiry_date`` (must be blank), ``age_days`` (blank:
        from ``received_date``).
    category : Category
        The lot's category (must have ``shelf_life_days == 0``); its ``demand_sigma`` and
        ``aging_reserve`` are used.
    assumptions : Assumptions
        Valuation date, horizon, zero curve and ``price_demand_correlation``.
    paths : int
        Monte Carlo paths, at least 2.
    seed : int
        Seed of QuantLib's uniform generator, positive (QuantLib takes 0 as "seed from the
        clock"); NumPy's generator of the demand noise xi takes it too.

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
    sigma_d = category.demand_sigma
    rho_pd = assumptions.price_demand_correlation
    # Aging: what is left of the price after the reserve, on each month end's sale day.
    age0 = lot_age(lot_row, t0)
    kept = [1.0 - reserve_at(category.aging_reserve, age0 + days[m]) for m in range(months + 1)]

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
        # The month ends and t = 1 year exactly (for W(1)); positions on the grid of each.
        points = sorted(set(times[1:]) | {1.0})
        grid = ql.TimeGrid(points)
        if len(grid) != len(points) + 1:
            raise RuntimeError("QuantLib's time grid merged two of its points")
        at = {t: j + 1 for j, t in enumerate(points)}
        month_at = [0] + [at[t] for t in times[1:]]
        one_year = at[1.0]
        rng = ql.GaussianRandomSequenceGenerator(
            ql.UniformRandomSequenceGenerator(len(grid) - 1, ql.UniformRandomGenerator(seed))
        )
        generator = ql.GaussianPathGenerator(process, grid, rng, False)
        noise = np.random.default_rng(seed).standard_normal((paths, 2))

        for i in range(paths):
            x = generator.next().value()
            # W(1) from the path (X(1) = exp(sigma W(1) - sigma^2 / 2)), or its own draw.
            w1 = (math.log(x[one_year]) / sigma + sigma / 2.0) if sigma > 0 else noise[i, 1]
            v = rho_pd * w1 + math.sqrt(1.0 - rho_pd * rho_pd) * noise[i, 0]
            sales = rate * math.exp(sigma_d * v - sigma_d * sigma_d / 2.0)
            left = q
            pv = 0.0
            for m in range(1, months + 1):
                pv -= storage_rate * left * df[m - 1]  # billed in advance on the units held
                sold = min(sales, left)
                price = trend[m] * x[month_at[m]] * kept[m]
                pv += sold * price * (collected * df_in[m] - selling * df[m])
                left -= sold
            final = trend[months] * x[month_at[months]] * kept[months]
            pv += left * net_orderly * final * df[months]
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

    z, rel, of_mv, within = [], [], [], []
    for pos, (_, _, exact, mean, se) in zip(chosen, rows, strict=True):
        diff = abs(mean - exact)
        z.append(diff / se if se > 0 else (0.0 if diff <= 1e-9 * abs(exact) else math.inf))
        within.append(diff <= MAX_Z * se + DEMAND_BIN_ALLOWANCE * abs(mean) + 1e-9 * abs(exact))
        rel.append(diff / abs(mean) if mean else 0.0)
        of_mv.append(diff / float(lots["quantity"].iloc[pos] * lots["unit_price"].iloc[pos]))
    speedup = naive / vectorised
    agree = all(within)

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
        print(
            f"FAIL: naive and closed form differ by more than {MAX_Z} standard errors "
            f"plus {DEMAND_BIN_ALLOWANCE:.1%} of the loss"
        )
    if speedup < MIN_SPEEDUP:
        print(f"FAIL: speed-up below {MIN_SPEEDUP:.0f}x")
    return 0 if agree and speedup >= MIN_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
