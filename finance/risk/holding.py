"""Holding: keep the stock and sell it in the normal course (docs/model.md sections 6, 6a, 7a).

Schedule of one lot, months m = 1..horizon_months after t0 (dates by QuantLib, t0 + m
months, unadjusted):

* at each month end before the forced-sale day, ``min(rate, units left)`` units are
  invoiced at ``P(t) (1 - reserve(age))``; ``rate`` is ``monthly_sales`` or ``quantity /
  months_to_clear``, times the scenario's demand level ``D`` of the lot's category, and
  ``reserve`` the aging reserve of the lot's age on the day. The sale is on the company's
  trade terms: the invoice is collected ``dso_days`` later, less the expected bad debt
  ``customer_pd * customer_lgd``; the selling cost ``selling_cost * P(t)`` (of the price
  net of the reserve) is paid on the sale day;
* a lot with an expiry is sold in a forced sale ``T_f`` days before it (on t0 when that
  day has passed) at ``P(t) (1 - reserve) (1 - d_f)``, for cash on the day;
* what is left at the horizon goes in an orderly sale at ``P(t) (1 - reserve) (1 - d_o)``;
* storage is billed monthly in advance, ``storage_cost / 12 * units held * p`` at the
  start of each month the lot is held (storage follows the goods, not their price).

A share ``w`` of a lot held on its own sells ``w`` of the lot's rate: every figure of the
schedule is linear in the share held, so a lot split between routes is valued part by
part, and the mix (docs/model.md section 8a) is a linear programme.

The schedule is computed per demand bin (:mod:`finance.risk.demand`): lots x bins, never
lots x scenarios. The expected figures weigh the bins with their price-tilted weights, so
they are exact per lot without simulation; for the distribution, values are totalled per
bin, shock group and month (a final sale counts at the month end nearest its day), and
each scenario weighs its bin's totals with its shocks: bins x groups x months x scenarios.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from finance.collateral.dynamics import aging_reserve_of, cell_factors, price_factor
from finance.collateral.lots import Lots, compact_codes
from finance.inputs.assumptions import TradeTerms
from finance.inputs.categories import AGING_BUCKET_DAYS, AGING_BUCKETS
from finance.market.budget import address_space_limit
from finance.market.curve import DiscountTable, flat_discount
from finance.market.scenarios import PriceScenarios, nearest_grid_index
from finance.risk.demand import DEMAND_DAY, DemandBins


@dataclass(frozen=True, slots=True, eq=False)
class HoldingResult:
    """The holding schedule of every whole lot, and its totals for some shares of the lots.

    Per-lot figures are for the whole lot (they scale with the share held). Money in the
    currency; ``*_pv`` on the curve, ``*_company`` at the company's rate.

    Attributes
    ----------
    month_days : numpy.ndarray of int64, shape (M + 1,)
        Days from t0 of t0 and each month end.
    market_value : numpy.ndarray, shape (N,)
        MV of each lot.
    value_pv, value_company : numpy.ndarray, shape (N,)
        What the goods bring in, gross of costs: collections net of bad debt on the
        collection day, final sales before their discount.
    costs_pv, costs_company : numpy.ndarray, shape (N,)
        Selling costs, final-sale discounts and storage.
    storage_pv : numpy.ndarray, shape (N,)
        Storage alone.
    flows : numpy.ndarray, shape (W, K, D)
        Expected company cash per category and day for each row of the weights.
    group_value : numpy.ndarray, shape (W, L, G, M + 1)
        ``value_pv`` per demand bin, shock group and month position, before the shocks.
    invoices : numpy.ndarray, shape (W, G, M + 1)
        Expected nominal invoices of the monthly sales per shock group and month end (the
        shocks' and the demand's mean): the receivables the sales create.
    group_net : numpy.ndarray, shape (W, L, G, M + 1)
        What the sales bring in net of selling costs and final-sale discounts, PV on the
        curve, per demand bin, shock group and month position, before the shocks:
        docs/model.md section 6's proceeds.
    group_storage : numpy.ndarray, shape (W, L, G)
        Storage per demand bin and shock group, PV on the curve.
    final_gross : numpy.ndarray, shape (N,)
        The final (forced or horizon) sale's expected value per whole lot, before its
        discount.
    sale_factor : numpy.ndarray, shape (N,)
        The final sale's expected price per unit of today's, net of the aging reserve on
        its day (for a further pass on other weights).
    cells : _Cells
        The lots' cells of price factor, shock group and aging path.
    demand : DemandBins
        The demand bins the schedule was run for (one bin: no demand risk).
    """

    month_days: np.ndarray
    market_value: np.ndarray
    value_pv: np.ndarray
    value_company: np.ndarray
    costs_pv: np.ndarray
    costs_company: np.ndarray
    storage_pv: np.ndarray
    flows: np.ndarray
    group_value: np.ndarray
    invoices: np.ndarray
    group_net: np.ndarray
    group_storage: np.ndarray
    final_gross: np.ndarray
    sale_factor: np.ndarray
    cells: _Cells
    demand: DemandBins

    @property
    def expected_loss(self) -> np.ndarray:
        """Per-lot expected loss of value, ``MV - value_pv``, on the curve (section 7a)."""
        return self.market_value - self.value_pv

    @property
    def holding_loss(self) -> np.ndarray:
        """Per-lot expected holding loss of docs/model.md section 6, on the curve.

        ``MV - E[PV(sale proceeds) - PV(storage)]`` with the proceeds net of selling costs,
        final-sale discounts and bad debt: the loss of value plus the costs.
        """
        return self.market_value - self.value_pv + self.costs_pv

    @property
    def holding_loss_at_company_rate(self) -> np.ndarray:
        """Per-lot holding loss of section 6 discounted at the company's rate (section 6a).

        ``MV - E[value - costs]`` at the company's effective annual rate instead of the
        curve: the carrying cost of the capital tied up in the stock is what it adds to
        :attr:`holding_loss`. Equal to ``-npv``; equal to :attr:`holding_loss` when the
        company's rate is the curve's.
        """
        return self.market_value - self.value_company + self.costs_company

    @property
    def npv(self) -> np.ndarray:
        """Per-lot company NPV of holding: ``value - costs`` at its rate, less MV."""
        return self.value_company - self.costs_company - self.market_value

    @property
    def value_rate(self) -> np.ndarray:
        """Per-lot company value of holding per unit of market value (0 for a lot of no MV)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                self.market_value > 0,
                (self.value_company - self.costs_company) / self.market_value,
                0.0,
            )


@dataclass(frozen=True, slots=True, eq=False)
class SaleTimeline:
    """When each lot's units leave under the holding schedule, for the share left any day.

    Attributes
    ----------
    month_ends : numpy.ndarray of int64, shape (M,)
        Days of the month ends.
    per_month : numpy.ndarray, shape (N,)
        Share of the lot sold at each selling month end.
    selling_months : numpy.ndarray of int64, shape (N,)
        How many month ends sell (those before the forced-sale day).
    exit_day : numpy.ndarray of int64, shape (N,)
        The forced or horizon sale, which takes the rest.
    """

    month_ends: np.ndarray
    per_month: np.ndarray
    selling_months: np.ndarray
    exit_day: np.ndarray

    @classmethod
    def of(cls, lots: Lots, month_days: np.ndarray) -> SaleTimeline:
        """The timeline of the lots' holding schedule over ``month_days``."""
        horizon = int(month_days[-1])
        forced_day = lots.expiry_day - lots.param("forced_days").astype(np.int64)
        ends = np.asarray(month_days[1:], dtype=np.int64)
        q = lots.quantity
        with np.errstate(divide="ignore", invalid="ignore"):
            per_month = np.where(q > 0, lots.monthly_sales / q, 0.0)
        return cls(
            month_ends=ends,
            per_month=per_month,
            selling_months=np.searchsorted(ends, forced_day, side="left"),
            exit_day=np.minimum(np.maximum(forced_day, 0), horizon),
        )

    def left(self, day: int) -> np.ndarray:
        """Fraction of each lot still held on ``day`` (after that day's sales)."""
        passed = int(np.searchsorted(self.month_ends, day, side="right"))
        sold = self.per_month * np.minimum(passed, self.selling_months)
        return np.where(day >= self.exit_day, 0.0, np.maximum(1.0 - sold, 0.0))


def units_left(lots: Lots, month_days: np.ndarray, day: int) -> np.ndarray:
    """Fraction of each lot still held on ``day`` (after that day's sales).

    Sales happen at month ends before the forced-sale day; the forced or horizon sale
    empties the lot on its day.
    """
    return SaleTimeline.of(lots, month_days).left(day)


def _stacked_totals(values: np.ndarray, weights: np.ndarray, index: np.ndarray, size: int):
    """``sum_i w_i v_i`` per cell of ``index``, for each row of ``weights``: (W, size)."""
    rows = weights.shape[0]
    cells = (index[None, :] + size * np.arange(rows)[:, None]).ravel()
    totals = np.bincount(cells, weights=(weights * values[None, :]).ravel(), minlength=rows * size)
    return totals.reshape(rows, size)


def _month_factors(lots: Lots, counts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Expected price factors per cell (erosion rate, category) and day, (cells, D).

    Without salvage: the schedule's sales come before the forced-sale day, so before
    expiry.
    """
    if not lots.n_cells and len(lots):
        raise ValueError("lots without price-factor cells")
    every = len(lots.categories)
    return np.stack([cell_factors(lots, counts, np.full(every, day)) for day in days], axis=1)


@dataclass(frozen=True, slots=True, eq=False)
class _Sales:
    """Each lot's monthly sales in closed form, for sums over months without a month loop.

    A lot sells ``rate`` at each of its first ``J - 1`` selling month ends and ``last``
    (at most ``rate``) at month ``J``: ``J`` is the month it sells out or stops selling
    (its forced-sale day, or the horizon). It is held in full months from t0 until its
    exit day; ``billed`` months start before it.
    """

    rate: np.ndarray
    quantity: np.ndarray
    months: int
    selling: np.ndarray  # J, months with sales
    last: np.ndarray  # units sold at month J
    billed: np.ndarray  # B, months whose start is before the exit day
    left_final: np.ndarray  # units left for the final sale

    @classmethod
    def of(
        cls,
        lots: Lots,
        month_days: np.ndarray,
        scale: np.ndarray | None = None,
        timeline: SaleTimeline | None = None,
    ) -> _Sales:
        """The schedule of every lot, its rate of sale times ``scale`` (a demand level)."""
        timeline = SaleTimeline.of(lots, month_days) if timeline is None else timeline
        months = len(month_days) - 1
        q = lots.quantity
        rate = lots.monthly_sales if scale is None else lots.monthly_sales * scale
        available = np.minimum(timeline.selling_months, months)
        with np.errstate(divide="ignore", invalid="ignore"):
            sell_out = np.where(rate > 0, np.ceil(q / np.where(rate > 0, rate, 1.0)), np.inf)
        selling = np.where(q > 0, np.minimum(sell_out, available), 0).astype(np.int64)
        last = np.where(selling > 0, np.minimum(rate, q - rate * (selling - 1)), 0.0)
        left_final = np.where(selling > 0, q - rate * (selling - 1) - last, q)
        starts = np.asarray(month_days[:-1], dtype=np.int64)
        billed = np.searchsorted(starts, timeline.exit_day, side="left")
        return cls(rate, q, months, selling, last, billed, np.maximum(left_final, 0.0))

    def weigh_many(self, tables: np.ndarray, cell: np.ndarray) -> np.ndarray:
        """Per lot and table, ``sum_m sold_m tables[cell, m, r]`` (months 1..M as columns).

        ``tables`` (C, M, R) gives (N, R).
        """
        cells, months, width = tables.shape
        prefix = np.zeros((cells, months + 1, width))
        np.cumsum(tables, axis=1, out=prefix[:, 1:])
        # Rows of (cell, month) gathered from 2-D tables: one contiguous row per lot.
        month = np.maximum(self.selling - 1, 0)
        out = prefix.reshape(-1, width)[cell * (months + 1) + month]
        out *= self.rate[:, None]
        # ``last`` is 0 for a lot that sells nothing: its row is read but adds nothing.
        at_last = tables.reshape(-1, width)[cell * months + month]
        at_last *= self.last[:, None]
        out += at_last
        return out

    def held_weigh(self, discount: np.ndarray) -> np.ndarray:
        """Per lot ``sum over billed months of units held at the month's start x discount``."""
        m = np.arange(self.months)  # m - 1 for months 1..M
        z = np.concatenate([[0.0], np.cumsum(discount)])
        zm = np.concatenate([[0.0], np.cumsum(m * discount)])
        b = np.minimum(self.billed, self.selling)
        return self.quantity * z[b] - self.rate * zm[b] + self.left_final * (z[self.billed] - z[b])


@dataclass(frozen=True, slots=True, eq=False)
class _Cells:
    """The lots' cells (docs/model.md section 6a).

    Lots of one cell share, at every month end, the expected price factor, the shock group
    and the aging reserve.

    A cell is a price-factor cell (erosion rate and category), a shock group and an *aging
    path*: the month ends at which the lot moves into each older bucket. Lots age day by
    day, but over M months the paths are few (at most 4 (M + 1) + 1 per category, one
    when the category's reserves do not step), so the cells stay far fewer than the lots
    and the schedule's sums run over cells x months.

    Attributes
    ----------
    index : numpy.ndarray of int64, shape (N,)
        Each lot's cell.
    base : numpy.ndarray of int64, shape (C,)
        Each cell's price-factor cell (:attr:`Lots.factor_index`).
    group : numpy.ndarray of int64, shape (C,)
        Each cell's shock group.
    keep : numpy.ndarray, shape (C, M)
        ``1 - reserve`` of the cell's bucket at each month end.
    """

    index: np.ndarray
    base: np.ndarray
    group: np.ndarray
    keep: np.ndarray

    @classmethod
    def of(cls, lots: Lots, ends: np.ndarray) -> _Cells:
        """The cells of the lots over the month ends ``ends`` (days from t0)."""
        months = len(ends)
        reserves = lots.category_param("aging_reserve").reshape(-1, AGING_BUCKETS)
        steps = np.diff(reserves, axis=1)  # (K, B - 1): the reserve's step into each bucket
        bounds = np.asarray(AGING_BUCKET_DAYS)
        # The first month end at which a lot is older than each bucket's upper day, per
        # category and age (a table: ages past the last bucket's start all cross at 0); a
        # step of 0 makes the month irrelevant, so it is not told apart.
        ages = np.arange(bounds[-1] + 2)
        crossing = np.searchsorted(ends, bounds[None, :] - ages[:, None], side="right")
        table = np.zeros((len(reserves), len(ages)), dtype=np.int64)
        for b in range(len(bounds)):
            table = table * (months + 1) + crossing[None, :, b] * (steps[:, b, None] != 0)
        path = table[lots.category, np.minimum(lots.age_days, ages[-1])]
        paths, path_index = compact_codes(path)
        n_paths = max(len(paths), 1)
        code = (lots.factor_index * lots.n_groups + lots.group) * n_paths + path_index
        keys, index = compact_codes(code)
        base, rest = np.divmod(keys, lots.n_groups * n_paths)
        group, path_of = np.divmod(rest, n_paths)
        category = lots.cell_category[base]
        reserve = np.repeat(reserves[category, :1], months, axis=1)  # (C, M)
        digits = paths[path_of] if len(paths) else np.zeros(0, dtype=np.int64)
        m = np.arange(months)
        for b in reversed(range(len(bounds))):
            digits, at = np.divmod(digits, months + 1)
            reserve += steps[category, b][:, None] * (m[None, :] >= at[:, None])
        return cls(index=index, base=base, group=group, keep=1.0 - reserve)


@dataclass(frozen=True, slots=True, eq=False)
class _Ranked:
    """Lots sorted by class and by their monthly rate of sale ``x`` (a share of the lot).

    Under a demand level ``D`` a lot's sales in month ``m`` (a share of it, ``m`` up to the
    months ``A`` it may sell in) are ``D x`` when ``D x < 1/m``, ``1 - D x (m - 1)`` when
    ``1/m <= D x < 1/(m - 1)``, else 0; what it holds at the start of month ``m`` is
    ``max(0, 1 - D x min(m - 1, A))``. Both are piecewise linear in ``x`` with breaks at
    ``1 / (k D)``, so a class's total of ``v`` times either is a difference of prefix sums
    of ``v`` and ``v x`` over its lots sorted by ``x``, read at the breaks: every demand
    bin's totals from one sort, not a pass over the lots per bin. The sort key is
    ``class + u / 2`` with ``u = x / (1 + x)`` in [0, 1).

    Attributes
    ----------
    order : numpy.ndarray of int64, shape (N,)
        The lots in sorted order.
    keys : numpy.ndarray, shape (N,)
        Their sort keys, ascending.
    first : numpy.ndarray of int64, shape (C,)
        A lot of each class (its attributes are the class's).
    x : numpy.ndarray, shape (N,)
        The rates of sale, in sorted order.
    """

    order: np.ndarray
    keys: np.ndarray
    first: np.ndarray
    x: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, x: np.ndarray) -> _Ranked:
        """The lots ranked by ``codes`` (their class, non-negative integers) and ``x``."""
        _, index = compact_codes(codes)
        keys = index + 0.5 * (x / (1.0 + x))
        order = np.argsort(keys, kind="stable")
        first = np.zeros(int(index.max()) + 1 if len(index) else 0, dtype=np.int64)
        first[index[::-1]] = np.arange(len(index))[::-1]
        return cls(order, keys[order], first, x[order])

    @property
    def n_classes(self) -> int:
        """Number of classes C."""
        return len(self.first)

    def prefix(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Prefix sums of ``values`` (W, N) and ``values x`` in sorted order, each (W, N + 1)."""
        ordered = values[:, self.order]
        plain = np.zeros((len(values), len(self.order) + 1))
        np.cumsum(ordered, axis=1, out=plain[:, 1:])
        ordered *= self.x[None, :]
        weighted = np.zeros_like(plain)
        np.cumsum(ordered, axis=1, out=weighted[:, 1:])
        return plain, weighted

    def below(self, limit: np.ndarray) -> np.ndarray:
        """Sorted position after the lots of class ``c`` with ``x < limit[..., c, :]``.

        ``limit`` has the classes on its second-last axis; inf takes the whole class.
        """
        finite = np.isfinite(limit)
        bounded = np.where(finite, limit, 0.0)
        # An infinite limit reads up to the next class's start: a lot with an enormous x
        # has a key that rounds to class + 1/2 and must still count.
        u = np.where(finite, 0.5 * bounded / (1.0 + bounded), 1.0)
        classes = np.arange(self.n_classes).reshape(-1, 1)
        return np.searchsorted(self.keys, classes + u, side="left")

    def start(self) -> np.ndarray:
        """Sorted position of each class's first lot, (C, 1)."""
        classes = np.arange(self.n_classes, dtype=np.float64)
        return np.searchsorted(self.keys, classes, side="left").reshape(-1, 1)


def _inverse(product: np.ndarray) -> np.ndarray:
    """``1 / product``, inf where the product is 0 (a break that never comes)."""
    with np.errstate(divide="ignore"):
        return np.where(product > 0, 1.0 / np.where(product > 0, product, 1.0), np.inf)


def _between(
    sums: tuple[np.ndarray, np.ndarray], lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``v`` and ``v x`` over sorted positions [lo, hi), each (W, *lo.shape)."""
    plain, weighted = sums
    return plain[:, hi] - plain[:, lo], weighted[:, hi] - weighted[:, lo]


def _sold_totals(
    values: np.ndarray,
    x: np.ndarray,
    available: np.ndarray,
    key: np.ndarray,
    group: np.ndarray,
    levels: np.ndarray,
    n_keys: int,
    months: int,
) -> np.ndarray:
    """Per bin, row, (group, cell) pair and month, ``sum_i v_i sold share_i(m)``: (L, W, K, M).

    ``values`` (W, N) is each row's value of the whole lot, ``available`` the months each
    lot may sell in, ``key`` its pair, ``group`` its shock group and ``levels`` (G, L) each
    group's demand levels.
    """
    ranked = _Ranked.of(key * (months + 1) + available, x)
    sums = ranked.prefix(values)
    lot = ranked.first
    level = levels[group[lot]].T[:, :, None]  # (L, C, 1)
    m = np.arange(1, months + 1)[None, None, :]
    full_up_to = ranked.below(_inverse(m * level))  # (L, C, M)
    part_up_to = ranked.below(_inverse((m - 1) * level))
    start = ranked.start()
    _, full_x = _between(sums, np.broadcast_to(start, full_up_to.shape), full_up_to)
    part, part_x = _between(sums, full_up_to, part_up_to)
    sold = level * full_x + part - level * (m - 1) * part_x  # (W, L, C, M)
    sold *= m <= available[lot][None, :, None]
    out = np.zeros((n_keys, *sold.shape[:2], months))
    np.add.at(out, key[lot], sold.transpose(2, 0, 1, 3))
    return out.transpose(2, 1, 0, 3)


def _held_totals(
    values: np.ndarray,
    x: np.ndarray,
    available: np.ndarray,
    billed: np.ndarray,
    group: np.ndarray,
    levels: np.ndarray,
    months: int,
) -> np.ndarray:
    """Per bin, row, group and month, ``sum_i v_i`` held share at the month's start if billed.

    (L, W, G, M); ``billed`` the months each lot is stored (those starting before its exit).
    """
    ranked = _Ranked.of((group * (months + 1) + available) * (months + 1) + billed, x)
    sums = ranked.prefix(values)
    lot = ranked.first
    level = levels[group[lot]].T[:, :, None]  # (L, C, 1)
    m = np.arange(1, months + 1)[None, None, :]
    sold_months = np.minimum(m - 1, available[lot][None, :, None])  # (1, C, M)
    up_to = ranked.below(_inverse(sold_months * level))
    start = np.broadcast_to(ranked.start(), up_to.shape)
    held, held_x = _between(sums, start, up_to)
    held = held - level * sold_months * held_x  # (W, L, C, M)
    held *= m <= billed[lot][None, :, None]
    out = np.zeros((levels.shape[0], *held.shape[:2], months))
    np.add.at(out, group[lot], held.transpose(2, 0, 1, 3))
    return out.transpose(2, 1, 0, 3)


def _left_totals(
    values: np.ndarray,
    x: np.ndarray,
    available: np.ndarray,
    cells: np.ndarray,
    group: np.ndarray,
    levels: np.ndarray,
    size: int,
) -> np.ndarray:
    """Per bin, row and cell, ``sum_i v_i`` share left for the final sale: (L, W, size).

    The share left after the months the lot may sell in, ``max(0, 1 - D x A)``.
    """
    ranked = _Ranked.of(cells * (int(available.max(initial=0)) + 1) + available, x)
    sums = ranked.prefix(values)
    lot = ranked.first
    level = levels[group[lot]].T  # (L, C)
    months_sold = available[lot][None, :]
    up_to = ranked.below(_inverse(months_sold * level)[:, :, None])[:, :, 0]
    start = np.broadcast_to(ranked.start()[:, 0], up_to.shape)
    left, left_x = _between(sums, start, up_to)
    left = left - level * months_sold * left_x  # (W, L, C)
    out = np.zeros((size, *left.shape[:2]))
    np.add.at(out, cells[lot], left.transpose(2, 0, 1))
    return out.transpose(2, 1, 0)


#: Threads the demand bins are spread over (numpy lets go of the GIL in the bins' array
#: work, so a second core shortens the schedule).
BIN_THREADS = 2


def _sum_over_bins(work: Callable[[int], np.ndarray], n_bins: int) -> np.ndarray:
    """``sum_b work(b)`` over the bins, added in bin order (the same figures on every run).

    On threads when there are several bins, each bin's array added as soon as it is its
    turn, so that only a few are held at once; one after another under an address-space
    limit, where each thread's malloc arena reserves address space of its own that a tight
    ``RLIMIT_AS`` cannot spare.
    """
    with contextlib.ExitStack() as stack:
        if n_bins == 1 or address_space_limit() is not None:
            parts = map(work, range(n_bins))
        else:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=BIN_THREADS))
            parts = pool.map(work, range(n_bins))
        total = next(parts)
        for part in parts:
            total += part
        return total


def hold(
    lots: Lots,
    counts: np.ndarray,
    month_days: np.ndarray,
    curve: DiscountTable,
    company_rate: float,
    trade: TradeTerms,
    weights: np.ndarray | None = None,
    per_lot: HoldingResult | None = None,
    demand: DemandBins | None = None,
) -> HoldingResult:
    """Run the holding schedule of every lot.

    Parameters
    ----------
    lots : Lots
    counts : numpy.ndarray
        Season-end counts (:func:`finance.collateral.dynamics.markdown_counts`) covering
        the horizon.
    month_days : numpy.ndarray of int64
        Days of t0 and each month end up to the horizon.
    curve : DiscountTable
        Covers the horizon plus the collection delay; its length sets the flows' days.
    company_rate : float
        The company's discount rate, effective annual.
    trade : TradeTerms
    weights : numpy.ndarray, shape (W, N), optional
        Shares of the lots whose totals (flows, group values, invoices) are wanted; by
        default the whole of every lot.
    per_lot : HoldingResult, optional
        A result of the same schedule for other weights: its per-lot figures, which do
        not depend on the weights, are taken instead of computed again.
    demand : DemandBins, optional
        The categories' demand bins (:mod:`finance.risk.demand`); by default none, the
        schedule of docs/model.md section 6.

    Returns
    -------
    HoldingResult
    """
    n = len(lots)
    w = np.ones((1, n)) if weights is None else np.atleast_2d(np.asarray(weights, float))
    if per_lot is not None:
        demand = per_lot.demand
    elif demand is None:
        demand = DemandBins.none(len(lots.category_names))
    p = lots.unit_price
    n_groups, months = lots.n_groups, len(month_days) - 1
    k_count = len(lots.category_names)
    n_days = len(curve.factors)
    horizon = int(month_days[-1])
    dso = int(trade.dso_days)
    collected = 1.0 - trade.bad_debt
    n_bins = demand.n_bins
    mass = demand.mass

    # NO_EXPIRY is far beyond any horizon, so lots without expiry are never force-sold.
    forced_day = lots.expiry_day - lots.param("forced_days").astype(np.int64)
    forced = forced_day <= horizon
    selling_cost = lots.param("selling_cost")
    category_selling_cost = lots.category_param("selling_cost")
    to_category = np.zeros((n_groups, k_count))
    to_category[np.arange(n_groups), lots.group_category] = 1.0
    group_selling_cost = category_selling_cost[lots.group_category]
    storage_rate = lots.param("storage_cost") / 12.0 * p

    ends = np.asarray(month_days[1:], dtype=np.int64)
    starts = np.asarray(month_days[:-1], dtype=np.int64)
    df_start, df_end, df_in = (curve.discount(d) for d in (starts, ends, ends + dso))
    dc_start, dc_end, dc_in = (flat_discount(company_rate, d) for d in (starts, ends, ends + dso))
    cells = _Cells.of(lots, ends) if per_lot is None else per_lot.cells
    # Expected price factor times what the aging reserve leaves, per cell and month end.
    factors = _month_factors(lots, counts, ends)[cells.base] * cells.keep  # (C, M)
    cell = cells.index
    tilt = demand.tilted(lots.group_sigma, ends)  # (G, L, M)

    sale_day = np.where(forced, np.maximum(forced_day, 0), horizon)
    discount = np.where(forced, lots.param("forced_discount"), lots.param("orderly_discount"))
    df_sale = curve.discount(sale_day)
    timeline = SaleTimeline.of(lots, month_days)
    # The final sale's price per unit: expected price factor, less the reserve of the lot's
    # age on the day.
    if per_lot is None:
        sale_factor = price_factor(lots, counts, sale_day) * (
            1.0 - aging_reserve_of(lots, lots.age_days + sale_day)
        )
    else:
        sale_factor = per_lot.sale_factor
    if per_lot is None:
        dc_sale = flat_discount(company_rate, sale_day)
        discounts = np.stack([df_in, dc_in, df_end, dc_end], axis=1)[None]  # (1, M, 4)
        if n_bins > 1:
            # The bins' tilted weights on each lot's sale day (only days up to a year
            # matter: the demand level's correlation is taken at t = 1).
            sale_tilt = demand.tilted(lots.group_sigma, np.arange(DEMAND_DAY + 1))  # (G, L, D)
            tilt_at = lots.group * (DEMAND_DAY + 1) + np.minimum(sale_day, DEMAND_DAY)

        def one_bin(b: int) -> np.ndarray:
            """Bin ``b``'s per-lot sums, weighted by the bin's weights: (6, N)."""
            sales = _Sales.of(lots, month_days, demand.levels[lots.category, b], timeline)
            tables = factors * tilt[cells.group, b, :]  # (C, M)
            sold = sales.weigh_many(tables[:, :, None] * discounts, cell)
            sold *= p[:, None]
            weight = sale_tilt[:, b, :].ravel()[tilt_at] if n_bins > 1 else 1.0
            sums = np.empty((6, n))
            np.multiply(sold[:, :2].T, collected, out=sums[:2])
            np.multiply(sold[:, 2:].T, selling_cost[None, :], out=sums[2:4])
            sums[3] += mass[b] * storage_rate * sales.held_weigh(dc_start)
            np.multiply(mass[b] * storage_rate, sales.held_weigh(df_start), out=sums[4])
            np.multiply(sales.left_final, p, out=sums[5])
            sums[5] *= sale_factor
            sums[5] *= weight
            return sums

        total = _sum_over_bins(one_bin, n_bins)
        value_pv, value_c, costs_pv, costs_c, storage_pv, gross = total
        costs_pv += storage_pv
        value_pv += gross * df_sale
        value_c += gross * dc_sale
        costs_pv += gross * discount * df_sale
        costs_c += gross * discount * dc_sale
    else:
        gross = per_lot.final_gross
        value_pv, value_c = per_lot.value_pv, per_lot.value_company
        costs_pv, costs_c = per_lot.costs_pv, per_lot.costs_company
        storage_pv = per_lot.storage_pv

    rows = w.shape[0]
    invoices = np.zeros((rows, n_groups, months + 1))
    billed = np.zeros((rows, n_groups, months))
    group_value = np.zeros((rows, n_bins, n_groups, months + 1))
    group_net = np.zeros_like(group_value)
    group_storage = np.zeros((rows, n_bins, n_groups))
    pairs, key = compact_codes(lots.group * len(factors) + cell)
    # The final sale's shock is read at the month end nearest its day.
    nearest = nearest_grid_index(month_days, sale_day)
    final_cells = lots.group * (months + 1) + nearest
    size = n_groups * (months + 1)
    net_in = collected * df_in[None, :] - group_selling_cost[:, None] * df_end[None, :]

    if rows:  # (a pass for the per-lot figures alone has no rows)
        # The totals per row, bin, group and month come from the lots sorted once by class
        # and rate of sale: every bin's are then sums of prefix sums (_Ranked), no pass over
        # the lots per bin.
        q = lots.quantity
        x = timeline.per_month  # each lot's monthly rate of sale, a share of it
        available = np.minimum(timeline.selling_months, months)
        billed_months = np.searchsorted(starts, timeline.exit_day, side="left")
        levels = demand.levels[lots.group_category]  # (G, L): each group's category's levels
        sold_by_bin = _sold_totals(
            w * (p * q), x, available, key, lots.group, levels, len(pairs), months
        )
        held_by_bin = _held_totals(
            w * (storage_rate * q), x, available, billed_months, lots.group, levels, months
        )
        final_value = w * (p * q * sale_factor * df_sale)
        left = _left_totals(
            np.concatenate([final_value, final_value * (1.0 - discount)]),
            x,
            available,
            final_cells,
            lots.group,
            levels,
            size,
        )  # (L, 2W, size): the final sale's value, then its net
        for b in range(n_bins):
            sold = sold_by_bin[b] * factors[pairs % len(factors)][None]  # (W, keys, M)
            per_group = np.zeros((rows, n_groups, months))
            np.add.at(per_group.transpose(1, 0, 2), pairs // len(factors), sold.transpose(1, 0, 2))
            held = held_by_bin[b]
            invoices[:, :, 1:] += per_group * tilt[None, :, b, :]
            billed += mass[b] * held
            group_value[:, b, :, 1:] = per_group * (collected * df_in)
            group_net[:, b, :, 1:] = per_group * net_in[None]
            group_storage[:, b] = held @ df_start
            group_value[:, b] += left[b, :rows].reshape(rows, n_groups, months + 1)
            group_net[:, b] += left[b, rows:].reshape(rows, n_groups, months + 1)

    # Expected flows per category (a group lies in one category; the selling cost is the
    # category's).
    inv_k = np.einsum("wgm,gk->wkm", invoices[:, :, 1:], to_category)
    bill_k = np.einsum("wgm,gk->wkm", billed, to_category)
    flows = np.zeros((rows, k_count, n_days))
    np.add.at(flows.transpose(2, 0, 1), ends + dso, np.moveaxis(inv_k * collected, 2, 0))
    np.add.at(
        flows.transpose(2, 0, 1),
        ends,
        -np.moveaxis(inv_k * category_selling_cost[None, :, None], 2, 0),
    )
    np.add.at(flows.transpose(2, 0, 1), starts, -np.moveaxis(bill_k, 2, 0))
    flows += _stacked_totals(
        gross * (1.0 - discount), w, lots.category * n_days + sale_day, k_count * n_days
    ).reshape(rows, k_count, n_days)
    return HoldingResult(
        month_days=np.asarray(month_days, dtype=np.int64),
        market_value=lots.market_value,
        value_pv=value_pv,
        value_company=value_c,
        costs_pv=costs_pv,
        costs_company=costs_c,
        storage_pv=storage_pv,
        flows=flows,
        group_value=group_value,
        invoices=invoices,
        group_net=group_net,
        group_storage=group_storage,
        final_gross=gross,
        sale_factor=sale_factor,
        cells=cells,
        demand=demand,
    )


def _scenario_bins(held: HoldingResult, lots: Lots, scenarios: PriceScenarios) -> np.ndarray:
    """Each scenario's demand bin for each shock group (its category's), shape (S, G)."""
    return held.demand.scenario_bins(scenarios)[:, lots.group_category]


def _shocked(
    table: np.ndarray, held: HoldingResult, lots: Lots, scenarios: PriceScenarios, shocks
) -> np.ndarray:
    """``sum_j X[s, g, j] table[bin(s, g), g, j]`` over the month positions: (S, G).

    ``table`` is (L, G, M + 1), values per demand bin before the shocks. Every bin is
    weighed with every scenario's shocks (a batched product per group, (G, S, L)) and
    each scenario keeps its own bin's: smaller than gathering each scenario's (G, M + 1)
    rows of the table.
    """
    # (G, S, M + 1): the month-end shocks, laid out per group for the batched product.
    at_months = shocks.transpose(1, 0, 2)[:, :, scenarios.index_of(held.month_days)]
    if held.demand.n_bins == 1:
        return (at_months @ table[0][:, :, None])[:, :, 0].T
    per_bin = at_months @ table.transpose(1, 2, 0)  # (G, S, L)
    bins = _scenario_bins(held, lots, scenarios)  # (S, G)
    return np.take_along_axis(per_bin, bins.T[:, :, None], axis=2)[:, :, 0].T


def group_losses(
    held: HoldingResult,
    row: int,
    weights: np.ndarray,
    lots: Lots,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> np.ndarray:
    """Loss of value per scenario and shock group of the share ``weights`` (row ``row``).

    Each scenario takes its price shocks and its categories' demand bins.

    Parameters
    ----------
    held : HoldingResult
        Its ``weights`` row ``row`` is ``weights``.
    scenarios : PriceScenarios
        Their grid must contain ``held.month_days`` (and, with demand risk, one year).
    shocks : numpy.ndarray, shape (S, G, T)

    Returns
    -------
    numpy.ndarray, shape (S, G)
    """
    fixed = np.bincount(lots.group, weights=weights * held.market_value, minlength=lots.n_groups)
    return fixed[None, :] - _shocked(held.group_value[row], held, lots, scenarios, shocks)


def holding_losses(
    held: HoldingResult,
    lots: Lots,
    scenarios: PriceScenarios,
    shocks: np.ndarray,
) -> np.ndarray:
    """The portfolio's holding loss of docs/model.md section 6 per scenario (weights row 0).

    ``MV + PV(storage) - PV(net proceeds)``, the proceeds net of selling costs, final-sale
    discounts and bad debt, with each group's shocks and each category's demand bin.

    Returns
    -------
    numpy.ndarray, shape (S,)
    """
    market = float(held.market_value.sum())
    net = _shocked(held.group_net[0], held, lots, scenarios, shocks).sum(axis=1)
    if held.demand.n_bins == 1:
        return market + float(held.storage_pv.sum()) - net
    bins = _scenario_bins(held, lots, scenarios)
    storage = held.group_storage[0][bins, np.arange(lots.n_groups)[None, :]].sum(axis=1)
    return market + storage - net
