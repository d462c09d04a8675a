"""The mix: the best allocation of each category's stock across the routes (docs/model.md 8a).

Variables ``x[k, r]``: the share of category k's stock put through financing route r
(liquidate, pledge_loan, receipt_trust, abs); holding takes the rest, so
``sum_r x[k, r] <= 1`` and no unit is used twice. Each route's value is linear in its
shares (docs/model.md section 7a: the holding schedule, the channels and the loan's flows
scale with the stock; a trust's coupon and an ABS's tranching are taken at their
whole-route figures, per category), so the problem is a mixed-integer linear programme,
solved with HiGHS through :func:`scipy.optimize.milp`:

    maximise    sum_kr gain[k, r] x[k, r] - sum_r fixed[r] y[r]
    subject to  sum_r x[k, r] <= 1                                 each unit once
                x[k, r] <= y[r],  sum_k size[k, r] x[k, r] >= minimum[r] y[r]
                                                                    fixed costs, minimum size
                sum_kr cash[k, r] x[k, r] - fixed[r] y[r] >= cash_target
                CVaR_95(loss) <= max_loss_p95                       risk limit (optional)

The 95% quantile of the loss kept is not linear in ``x``; its conditional tail
expectation (Rockafellar and Uryasev, 2000: ``eta + E[(loss - eta)+] / 0.05`` minimised
over eta, linear with one variable per scenario) is, and bounds it from above, so a mix
within the CVaR limit is within the quantile limit. The chosen mix is then valued on the
shared scenarios like any other row (docs/model.md section 8a), and the caller keeps the
best of it and the single routes that meet the same constraints.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from finance.decision.comparison import OptionRow
from finance.decision.recommendation import NOISE_STANDARD_ERRORS, allocation_text
from finance.locale import Text
from finance.market.curve import flat_discount
from finance.routes.abs import AbsResult
from finance.routes.ledger import Ledger
from finance.routes.pledge_loan import PledgeLoanResult
from finance.routes.rows import ledger_row, route_terms
from finance.routes.valuation import FINANCING_ROUTES, RouteValuation

if TYPE_CHECKING:
    from scipy import sparse
    from scipy.optimize import LinearConstraint

# scipy.optimize is imported where the programme is solved, not with this module: it is a
# third of the package's import time, which the command line spends reading the input
# meanwhile (see finance.cli).

TAIL = 0.05
#: A mix of routes must lead the best single route meeting the same limits by more than
#: this share of the stock's market value (and than the simulation's noise) to be chosen.
MATERIALITY = 0.0005


@dataclass(frozen=True, eq=False)
class MixProblem:
    """The linear programme's data (money in the currency).

    Attributes
    ----------
    categories : tuple of str
    routes : tuple of str
        The financing routes, columns of the arrays.
    gain : numpy.ndarray, shape (K, R)
        NPV over holding of putting all of category k through route r, fixed costs out.
    cash : numpy.ndarray, shape (K, R)
        Cash now of the same, fixed costs out.
    available : numpy.ndarray of bool, shape (K, R)
        Whether route r may take category k at all (feasible, and it takes something).
    fixed : numpy.ndarray, shape (R,)
        Fixed cost of using route r at all (e.g. an ABS's rating and legal fees).
    size : numpy.ndarray, shape (K, R)
        Size of category k's full share in route r, for the minimum size.
    minimum : numpy.ndarray, shape (R,)
        Smallest size of a route that is used (0: none).
    base_losses : numpy.ndarray, shape (S,)
        Holding's loss kept per scenario.
    loss_change : numpy.ndarray, shape (S, K, R)
        Change in the loss kept per scenario from putting all of category k through r.
    """

    categories: tuple[str, ...]
    routes: tuple[str, ...]
    gain: np.ndarray
    cash: np.ndarray
    available: np.ndarray
    fixed: np.ndarray
    size: np.ndarray
    minimum: np.ndarray
    base_losses: np.ndarray
    loss_change: np.ndarray


@dataclass(frozen=True, eq=False)
class MixSolution:
    """The solver's answer.

    Attributes
    ----------
    shares : numpy.ndarray, shape (K, R)
        ``x``; zeros when no mix meets the constraints.
    feasible : bool
    message : str
        The solver's status in words.
    objective : float
        The linear programme's NPV gain over holding.
    """

    shares: np.ndarray
    feasible: bool
    message: str
    objective: float


def _as_upper_bounds(constraints: list[LinearConstraint]) -> tuple[sparse.spmatrix, np.ndarray]:
    from scipy import sparse

    """``lb <= A x <= ub`` rows as ``A_ub x <= b_ub`` for :func:`scipy.optimize.linprog`."""
    blocks, bounds = [], []
    for constraint in constraints:
        matrix = sparse.csr_matrix(constraint.A)
        low = np.broadcast_to(constraint.lb, matrix.shape[0])
        high = np.broadcast_to(constraint.ub, matrix.shape[0])
        upper_rows, lower_rows = np.isfinite(high), np.isfinite(low)
        blocks += [matrix[upper_rows], -matrix[lower_rows]]
        bounds += [high[upper_rows], -low[lower_rows]]
    return sparse.vstack(blocks, format="csr"), np.concatenate(bounds)


#: With the risk limit's row per scenario, branch and bound on the few binaries costs more
#: than solving one linear programme per assignment of them (exact, as good a method for
#: up to this many binaries).
ENUMERATE_BINARIES = 3


def solve_mix(problem: MixProblem, cash_target: float, max_loss_p95: float) -> MixSolution:
    """Solve the mix's mixed-integer linear programme.

    Parameters
    ----------
    problem : MixProblem
    cash_target : float
        Cash now at least this; 0 for none.
    max_loss_p95 : float
        The loss kept's tail expectation beyond its 95% quantile at most this; 0 for none.

    Returns
    -------
    MixSolution
    """
    binaries = int(((problem.fixed > 0) | (problem.minimum > 0)).sum())
    if max_loss_p95 <= 0 or not 0 < binaries <= ENUMERATE_BINARIES:
        return _solve(problem, cash_target, max_loss_p95)
    best = None
    for fixed in itertools.product((0.0, 1.0), repeat=binaries):
        solution = _solve(problem, cash_target, max_loss_p95, np.array(fixed))
        if solution.feasible and (best is None or solution.objective > best.objective):
            best = solution
    return best if best is not None else solution


#: Relative margin the mix keeps above a route's minimum size (see :func:`_solve`).
SIZE_MARGIN = 1e-6


def _solve(
    problem: MixProblem,
    cash_target: float,
    max_loss_p95: float,
    binaries: np.ndarray | None = None,
) -> MixSolution:
    """One call of HiGHS; ``binaries`` fixes the binary variables' values when given."""
    from scipy import sparse
    from scipy.optimize import Bounds, LinearConstraint, linprog, milp

    k_count, r_count = problem.gain.shape
    n_x = k_count * r_count
    uses_fixed = problem.fixed > 0
    uses_minimum = problem.minimum > 0
    binary_routes = np.flatnonzero(uses_fixed | uses_minimum)
    n_y = len(binary_routes)
    risk = max_loss_p95 > 0
    n_scenarios = len(problem.base_losses) if risk else 0
    n_vars = n_x + n_y + (1 + n_scenarios if risk else 0)

    c = np.zeros(n_vars)
    c[:n_x] = -problem.gain.ravel()
    c[n_x : n_x + n_y] = problem.fixed[binary_routes]
    upper = np.zeros(n_vars)
    upper[:n_x] = problem.available.ravel().astype(float)
    upper[n_x : n_x + n_y] = 1.0
    lower = np.zeros(n_vars)
    if risk:
        lower[n_x + n_y] = -np.inf
        upper[n_x + n_y :] = np.inf
    integrality = np.zeros(n_vars)
    integrality[n_x : n_x + n_y] = 1
    if binaries is not None:
        lower[n_x : n_x + n_y] = upper[n_x : n_x + n_y] = binaries

    def x_index(k: int | np.ndarray, r: int | np.ndarray) -> np.ndarray:
        return np.asarray(k) * r_count + np.asarray(r)

    rows, cols, vals, lo, hi = [], [], [], [], []
    n_rows = 0

    def add_row(columns: np.ndarray, values: np.ndarray, low: float, high: float) -> None:
        nonlocal n_rows
        rows.extend([n_rows] * len(columns))
        cols.extend(np.asarray(columns).tolist())
        vals.extend(np.asarray(values, dtype=float).tolist())
        lo.append(low)
        hi.append(high)
        n_rows += 1

    for k in range(k_count):  # each unit once
        add_row(x_index(k, np.arange(r_count)), np.ones(r_count), -np.inf, 1.0)
    for j, r in enumerate(binary_routes):
        y = n_x + j
        for k in range(k_count):
            add_row(np.array([x_index(k, r), y]), np.array([1.0, -1.0]), -np.inf, 0.0)
        if uses_minimum[r]:
            add_row(
                np.concatenate([x_index(np.arange(k_count), r), [y]]),
                # A hair above the minimum: within HiGHS's feasibility tolerance the issue
                # could come out a hair below it, and the exact valuation refuse it.
                np.concatenate([problem.size[:, r], [-problem.minimum[r] * (1 + SIZE_MARGIN)]]),
                0.0,
                np.inf,
            )
    if cash_target > 0:
        columns = np.concatenate([np.arange(n_x), n_x + np.arange(n_y)])
        values = np.concatenate([problem.cash.ravel(), -problem.fixed[binary_routes]])
        add_row(columns, values, cash_target, np.inf)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n_rows, n_vars))
    constraints = [LinearConstraint(matrix, np.array(lo), np.array(hi))]
    if risk:
        eta = n_x + n_y
        u = eta + 1 + np.arange(n_scenarios)
        # loss_s(x) - eta - u_s <= 0, i.e. change_s . x - eta - u_s <= -base_s
        change = problem.loss_change.reshape(n_scenarios, n_x)
        tail = sparse.hstack(
            [
                sparse.csr_matrix(change),
                sparse.csr_matrix((n_scenarios, n_y)),
                sparse.csr_matrix(-np.ones((n_scenarios, 1))),
                -sparse.identity(n_scenarios, format="csr"),
            ],
            format="csr",
        )
        constraints.append(LinearConstraint(tail, -np.inf, -problem.base_losses))
        cvar = np.zeros(n_vars)
        cvar[eta] = 1.0
        cvar[u] = 1.0 / (TAIL * n_scenarios)
        constraints.append(LinearConstraint(cvar[None, :], -np.inf, max_loss_p95))
    if binaries is None and n_y:
        result = milp(
            c,
            constraints=constraints,
            integrality=integrality,
            bounds=Bounds(lower, upper),
            options={"disp": False, "presolve": True},
        )
    else:
        # Nothing left to branch on: one linear programme, which HiGHS's dual simplex
        # solves far faster through linprog than milp's machinery does.
        result = linprog(
            c,
            *_as_upper_bounds(constraints),
            bounds=np.column_stack([lower, upper]),
            method="highs-ds",
        )
    if result.x is None or result.status not in (0,):
        return MixSolution(np.zeros((k_count, r_count)), False, str(result.message), float("nan"))
    shares = np.clip(result.x[:n_x].reshape(k_count, r_count), 0.0, 1.0)
    shares[shares < 1e-9] = 0.0
    return MixSolution(shares, True, str(result.message), float(-result.fun))


@dataclass(frozen=True, eq=False)
class MixValuation:
    """The mix valued on the shared scenarios.

    Attributes
    ----------
    row : OptionRow
        The ``mix`` row of the comparison.
    table : pandas.DataFrame
        One row per (category, route) it uses: ``category, route, share`` (of the
        category's market value), ``market_value``, ``cash_now``.
    allocation : tuple of (str, str, float)
        (category, route, share) of the financing routes it uses, largest first.
    shares : numpy.ndarray, shape (K, R)
        The category shares put through each financing route.
    loan : PledgeLoanResult or None
        The mix's pledge loan, when it uses one.
    """

    row: OptionRow
    table: pd.DataFrame
    allocation: tuple[tuple[str, str, float], ...]
    shares: np.ndarray
    loan: PledgeLoanResult | None


MIX_COLUMNS: tuple[str, ...] = ("category", "route", "share", "market_value", "cash_now")


def mix_problem(
    valuation: RouteValuation,
    single: pd.DataFrame,
    adjustments: Mapping[str, tuple[object, Ledger]],
) -> MixProblem:
    """The linear programme's data from each route's whole-route adjustment ledger."""
    hold = valuation.hold()
    k_count = valuation.n_categories
    company = flat_discount(valuation.assumptions.discount_rate, np.arange(len(hold.flows[0])))
    feasible = dict(zip(single["option"], single["feasible"].astype(bool), strict=True))
    gain = np.zeros((k_count, len(FINANCING_ROUTES)))
    cash = np.zeros_like(gain)
    available = np.zeros_like(gain, dtype=bool)
    fixed = np.zeros(len(FINANCING_ROUTES))
    size = np.zeros_like(gain)
    minimum = np.zeros(len(FINANCING_ROUTES))
    change = np.zeros((hold.losses.shape[0], k_count, len(FINANCING_ROUTES)))
    for r, name in enumerate(FINANCING_ROUTES):
        result, ledger = adjustments[name]
        gain[:, r] = ledger.npv(company)
        cash[:, r] = ledger.cash_now
        change[:, :, r] = ledger.losses
        takes = valuation.taken_share(name) > 0
        if name == "abs":
            deal: AbsResult = result  # type: ignore[assignment]
            share = ledger.cash_now / deal.cash_now if deal.cash_now else np.zeros(k_count)
            # Rating and legal fees are fixed: out of the per-category figures, paid once.
            fixed[r] = deal.costs["rating"] + deal.costs["legal"]
            gain[:, r] += share * fixed[r]
            cash[:, r] += share * fixed[r]
            size[:, r] = share * deal.issue_size
            minimum[r] = deal.minimum_issue
            # Below the minimum only because of its size: a mix may not make it larger.
            takes &= deal.issue_size > 0
        elif not feasible.get(name, False):
            takes[:] = False
        available[:, r] = takes
    return MixProblem(
        categories=tuple(valuation.lots.category_names),
        routes=FINANCING_ROUTES,
        gain=gain,
        cash=cash,
        available=available,
        fixed=fixed,
        size=size,
        minimum=minimum,
        base_losses=hold.losses.sum(axis=1),
        loss_change=change,
    )


def _meets(row: pd.Series | OptionRow, cash_target: float, max_loss_p95: float) -> bool:
    get = row.__getitem__ if isinstance(row, pd.Series) else lambda k: getattr(row, k)
    return (
        bool(get("feasible"))
        and get("cash_now") >= cash_target - 1e-6
        and (max_loss_p95 <= 0 or get("loss_retained_p95") <= max_loss_p95 + 1e-6)
    )


def _value_shares(
    valuation: RouteValuation,
    shares: np.ndarray,
    adjustments: Mapping[str, tuple[object, Ledger]],
    available: np.ndarray,
) -> tuple[Ledger, list[tuple[str, np.ndarray, Ledger]], bool, PledgeLoanResult | None]:
    """The mix's ledger for the shares, each route valued on its own share.

    A route that takes all it can is the whole route, already valued: its adjustment is
    reused, not computed again.
    """
    total = valuation.hold()
    parts = []
    ok = True
    loan = None
    currency = valuation.assumptions.currency
    for r, name in enumerate(FINANCING_ROUTES):
        x = shares[:, r]
        if not (x > 0).any():
            continue
        whole = bool(np.all((x == 1.0) | ~available[:, r]))
        result, ledger = adjustments[name] if whole else valuation.route(name, x)
        if name == "pledge_loan":
            loan = result
        ok &= route_terms(name, result, valuation.lots.market_value, currency)[0]
        total = total + ledger
        parts.append((name, x, ledger))
    return total, parts, ok, loan


def value_mix(
    valuation: RouteValuation,
    single: pd.DataFrame,
    adjustments: Mapping[str, tuple[object, Ledger]],
    cash_target: float,
    max_loss_p95: float,
) -> MixValuation:
    """Solve the mix, value it on the shared scenarios, keep the best that meets the limits.

    The optimiser's allocation is valued exactly (each route re-run on its shares); the
    mix is the better of it and the best single route that meets the same cash target
    and risk limit, so it is never below any of them (docs/model.md section 9).
    """
    a = valuation.assumptions
    hold = valuation.hold()
    curve = valuation.curve.factors
    company = flat_discount(a.discount_rate, np.arange(len(curve)))
    problem = mix_problem(valuation, single, adjustments)
    solution = solve_mix(problem, cash_target, max_loss_p95)
    candidates: list[tuple[OptionRow, np.ndarray, list, PledgeLoanResult | None]] = []
    optimised = False
    if solution.feasible and solution.shares.any():
        ledger, parts, ok, loan = _value_shares(
            valuation, solution.shares, adjustments, problem.available
        )
        row = ledger_row("mix", ledger, hold, curve, company, feasible=ok, notes="")
        if _meets(row, cash_target, max_loss_p95):
            candidates.append((row, solution.shares, parts, loan))
            optimised = True
    # Each single route that meets the same limits is a mix too (all its stock one way).
    for r, name in enumerate(("hold", *FINANCING_ROUTES)):
        matching = single[single["option"] == name]
        if matching.empty or not _meets(matching.iloc[0], cash_target, max_loss_p95):
            continue
        shares = np.zeros_like(problem.gain)
        parts, loan = [], None
        if r > 0:
            shares[:, r - 1] = 1.0
            result, ledger = adjustments[name]
            parts = [(name, shares[:, r - 1], ledger)]
            loan = result if name == "pledge_loan" else None
        values = matching.iloc[0].to_dict()
        row = OptionRow(**{f.name: values[f.name] for f in dataclasses.fields(OptionRow)})
        candidates.append((dataclasses.replace(row, option="mix"), shares, parts, loan))
    if not candidates:
        return _most_cash(valuation, problem, adjustments, cash_target, max_loss_p95)
    best = max(candidates, key=lambda c: c[0].npv)
    if optimised and best is candidates[0] and len(candidates) > 1:
        # Running several routes costs what the model does not see (more counterparties,
        # agreements, supervision): a mix must lead the best single route materially.
        single = max(candidates[1:], key=lambda c: c[0].npv)
        lead = best[0].npv - single[0].npv
        noise = NOISE_STANDARD_ERRORS * best[0].npv_std_error
        if lead <= max(noise, MATERIALITY * float(hold.market_value.sum())):
            best = single
    row, shares, parts, loan = best
    table, allocation = _mix_table(valuation, parts, hold)
    words = allocation_text(allocation)
    notes = (
        Text.join("; ", (words, Text("the rest is held", "notes.rest_held_short")))
        if words
        else Text("holding everything is best", "notes.mix_hold")
    )
    return MixValuation(dataclasses.replace(row, notes=notes), table, allocation, shares, loan)


def _most_cash(
    valuation: RouteValuation,
    problem: MixProblem,
    adjustments: Mapping[str, tuple[object, Ledger]],
    cash_target: float,
    max_loss_p95: float,
) -> MixValuation:
    """No allocation meets the limits: the mix that raises the most cash, said so.

    Within the risk limit when there is one; the row is feasible as a structure but
    falls short of the target, so the recommendation can name the most any row raises.
    """
    hold = valuation.hold()
    curve = valuation.curve.factors
    company = flat_discount(valuation.assumptions.discount_rate, np.arange(len(curve)))
    short = []
    currency = valuation.assumptions.currency
    if cash_target > 0:
        short.append(
            Text(
                f"the cash target of {currency} {cash_target:,.0f}",
                "notes.the_target",
                currency=currency,
                amount=cash_target,
            )
        )
    if max_loss_p95 > 0:
        short.append(Text("the risk limit", "notes.the_limit"))
    most = solve_mix(dataclasses.replace(problem, gain=problem.cash), 0.0, max_loss_p95)
    if most.feasible and most.shares.any():
        ledger, parts, ok, loan = _value_shares(
            valuation, most.shares, adjustments, problem.available
        )
        if ok:
            table, allocation = _mix_table(valuation, parts, hold)
            words = allocation_text(allocation)
            row = ledger_row("mix", ledger, hold, curve, company, feasible=True, notes="")
            if _meets(row, cash_target, max_loss_p95):
                # The optimiser's linear cash fell a little short; valued exactly, the
                # allocation raising the most cash meets the limits after all.
                notes = Text.join("; ", (words, Text("the rest is held", "notes.rest_held_short")))
                return MixValuation(
                    dataclasses.replace(row, notes=notes), table, allocation, most.shares, loan
                )
            notes = Text(
                f"no allocation meets {' and '.join(short)}; the mix raising the most cash "
                f"puts {words}; the rest is held",
                "notes.mix_most_cash",
                short=Text.join(" and ", short),
                words=words,
            )
            row = ledger_row("mix", ledger, hold, curve, company, feasible=True, notes=notes)
            return MixValuation(row, table, allocation, most.shares, loan)
    row = ledger_row(
        "mix",
        hold,
        hold,
        curve,
        company,
        feasible=False,
        notes=Text(
            f"no allocation of the stock across the routes meets {' and '.join(short)}",
            "notes.mix_none",
            short=Text.join(" and ", short),
        ),
    )
    empty = pd.DataFrame(columns=list(MIX_COLUMNS))
    return MixValuation(row, empty, (), np.zeros_like(problem.gain), None)


def _mix_table(
    valuation: RouteValuation, parts: list[tuple[str, np.ndarray, Ledger]], hold: Ledger
) -> tuple[pd.DataFrame, tuple[tuple[str, str, float], ...]]:
    """Per (category, route): share of the category's market value through it, cash now."""
    names = valuation.lots.category_names
    value = hold.market_value
    used = np.zeros(len(names))
    rows = []
    allocation = []
    for name, x, ledger in parts:
        share = x * valuation.taken_share(name)
        used += share
        for k in np.flatnonzero(share > 1e-9):
            rows.append(
                {
                    "category": names[k],
                    "route": name,
                    "share": float(share[k]),
                    "market_value": float(share[k] * value[k]),
                    "cash_now": float(ledger.cash_now[k]),
                }
            )
            if share[k] >= 0.005:  # the words name what shows as at least 1%
                allocation.append((names[k], name, float(share[k])))
    for k in np.flatnonzero((1.0 - used > 1e-9) & (value > 0)):
        rows.append(
            {
                "category": names[k],
                "route": "hold",
                "share": float(1.0 - used[k]),
                "market_value": float((1.0 - used[k]) * value[k]),
                "cash_now": 0.0,
            }
        )
    table = pd.DataFrame(rows, columns=list(MIX_COLUMNS))
    order = {name: i for i, name in enumerate(names)}
    table = table.sort_values(
        ["category", "share"], key=lambda s: s.map(order) if s.name == "category" else -s
    ).reset_index(drop=True)
    allocation.sort(key=lambda item: -item[2] * value[order[item[0]]])
    return table, tuple(allocation)
