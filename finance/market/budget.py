"""The memory budget of a valuation, estimated before any large array is made.

A valuation's memory is dominated by the simulation (docs/model.md, "Scenarios and
bounds"): arrays of scenarios x categories or shock groups x grid days, and per-category
tables over every day looked at. :func:`estimate_bytes` adds them up from the sizes alone,
and :func:`check_budget` turns a request over the budget into an
:class:`finance.errors.InputError` naming what to reduce, before anything is allocated:
the user gets "scenarios = 1,000,000 needs about 8.9 GiB of memory; at most 440,000
scenarios fit in 4 GiB for 6 categories over 39 grid days", not a MemoryError.

The budget is :data:`DEFAULT_BUDGET` (4 GiB), or the environment's ``FINANCE_MEMORY_BUDGET``
(bytes, or a number with a unit: ``512MiB``, ``2GB``, ``8GiB``), and never more than what
the process's own address-space limit (``RLIMIT_AS``) leaves, so that a run held to a
limit is refused with a clear message rather than stopped by it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping

from finance.errors import InputError, Problem
from finance.locale import Text

#: The default budget, bytes: a laptop's share for one valuation.
DEFAULT_BUDGET = 4 * 2**30
#: Environment variable that sets the budget.
BUDGET_VARIABLE = "FINANCE_MEMORY_BUDGET"
#: Fewest scenarios a valuation runs (the assumptions' lower bound).
MIN_SCENARIOS = 100

_FLOAT = 8  # bytes of a float64
# How many floats of each shape are alive at the peak, counted from the code (see
# estimate_bytes) and checked against tracemalloc's peak in tests/test_budget.py: the
# estimate is an upper bound, within a factor of two of the measured peak.
_PER_CATEGORY_STEP = 1.0  # W_k on the grid (its draws are made in place)
_PER_GROUP_STEP = 1.0  # the group shocks X_g on the grid
_PER_GROUP_MONTH = 1.0  # the shocks at the month ends, read by the holding losses
_PER_GROUP_BIN = 8.0  # each group's value in each of the 8 demand bins (docs/model.md 6a)
_PER_CATEGORY_ASSESSMENT = 3.0  # the loan's horizon increments (common, own, one temporary)
_PER_GROUP_ASSESSMENT = 1.0  # ...gathered per shock group
_PER_CATEGORY = 16.0  # per-scenario losses by category: every route's ledger and the mix's
_PER_SCENARIO = 64.0  # per-scenario totals (losses, proceeds, the paths' columns)
_PER_CATEGORY_DAY = 16.0  # cash flows by category and day: every ledger, the markdown counts
_SAFETY = 1.1  # numpy's temporaries and the allocator's slack

_UNITS: Mapping[str, int] = {
    "": 1,
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}


@dataclasses.dataclass(frozen=True, slots=True)
class SimulationSize:
    """The sizes that set a valuation's memory.

    Attributes
    ----------
    scenarios : int
        S, price scenarios.
    categories : int
        K, categories the lots use (an unused one costs nothing).
    groups : int
        G, shock groups (at most K x ``MAX_LEVELS``).
    steps : int
        T, days on the scenario grid (t0, month ends, horizons, monitoring days...).
    months : int
        M, month ends of the holding schedule (with t0).
    assessments : int
        J, days the pledge loan's default is assessed on (monitoring days and maturity).
    days : int
        D, calendar days of the cash-flow tables (t0 to the last day looked at).
    """

    scenarios: int
    categories: int
    groups: int
    steps: int
    months: int
    assessments: int
    days: int


def estimate_bytes(size: SimulationSize) -> int:
    """Bytes the valuation of ``size`` needs at its peak, from the sizes alone.

    ``8 x 1.1 x [S x (K T + G (T + M + 8) + 3 K J + G J + 16 K + 64) + 16 K D]``: per
    scenario, the Brownian motions W_k on the grid (K T), the group shocks (G T), their
    month-end slice the holding losses read (G M) and the groups' values in each of the 8
    demand bins (8 G), the pledge loan's horizon increments (3 K J,
    gathered per group: G J), the per-category losses of every route and the mix (16 K) and
    per-scenario totals (64); and the per-category cash flows by day of every ledger
    (16 K D). A tenth more for numpy's temporaries. Lots add only per-lot arrays, never
    lots x scenarios.

    Returns
    -------
    int
        Bytes.
    """
    s, k, g = size.scenarios, size.categories, size.groups
    t, m, j = size.steps, size.months, size.assessments
    per_scenario = (
        _PER_CATEGORY_STEP * k * t
        + _PER_GROUP_STEP * g * t
        + _PER_GROUP_MONTH * g * m
        + _PER_GROUP_BIN * g
        + _PER_CATEGORY_ASSESSMENT * k * j
        + _PER_GROUP_ASSESSMENT * g * j
        + _PER_CATEGORY * k
        + _PER_SCENARIO
    )
    fixed = _PER_CATEGORY_DAY * k * size.days
    return math.ceil(_FLOAT * _SAFETY * (s * per_scenario + fixed))


def parse_bytes(text: str) -> int:
    """Bytes from ``4294967296``, ``4GiB``, ``512 MiB``, ``2GB`` (decimal or binary units).

    Raises
    ------
    ValueError
        If the text is not a positive amount.
    """
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b|b)?\s*", text.lower())
    if not found:
        raise ValueError(f"{text!r} is not an amount of memory such as 4GiB")
    value = float(found.group(1)) * _UNITS[found.group(2) or ""]
    if not value >= 1:
        raise ValueError(f"{text!r} is not a positive amount of memory")
    return int(value)


def address_space_limit() -> int | None:
    """The process's address-space limit (``RLIMIT_AS``), bytes; None when unlimited."""
    try:
        import resource
    except ImportError:  # not on this platform
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    return soft


def _address_space_left() -> int | None:
    """Bytes the process may still map under its ``RLIMIT_AS``; None when unlimited."""
    soft = address_space_limit()
    if soft is None:
        return None
    mapped = 0
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            mapped = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    return max(soft - mapped, 0)


def memory_budget(environ: Mapping[str, str] | None = None) -> int:
    """The budget in bytes: ``FINANCE_MEMORY_BUDGET`` or 4 GiB, within the address space left.

    An unreadable ``FINANCE_MEMORY_BUDGET`` is an :class:`InputError` naming it.
    """
    env = os.environ if environ is None else environ
    budget = DEFAULT_BUDGET
    text = env.get(BUDGET_VARIABLE, "").strip()
    if text:
        try:
            budget = parse_bytes(text)
        except ValueError as exc:
            message = Text(
                f"{BUDGET_VARIABLE} = {text!r} is not an amount of memory such as 4GiB",
                "problem.memory_budget_variable",
                name=BUDGET_VARIABLE,
                value=text,
            )
            raise InputError([Problem("environment", message)]) from exc
    left = _address_space_left()
    return budget if left is None else min(budget, left)


def human_bytes(amount: float) -> str:
    """``9.1 GiB``, ``512 MiB``: binary units, as the budget is set, two significant digits."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if amount >= scale:
            value = amount / scale
            return f"{value:.2g} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{amount:.0f} B"


def scenarios_that_fit(size: SimulationSize, budget: int) -> int:
    """The most scenarios of ``size`` (its other sizes kept) that fit in ``budget`` bytes."""
    one = estimate_bytes(_with_scenarios(size, 1))
    none = estimate_bytes(_with_scenarios(size, 0))
    per = max(one - none, 1)
    return max(int((budget - none) // per), 0)


def _with_scenarios(size: SimulationSize, scenarios: int) -> SimulationSize:
    return dataclasses.replace(size, scenarios=scenarios)


def check_budget(
    size: SimulationSize, budget: int | None = None, *, file: str = "assumptions"
) -> None:
    """Raise an :class:`InputError` naming what to reduce when ``size`` needs over ``budget``.

    Parameters
    ----------
    size : SimulationSize
    budget : int, optional
        Bytes (default: :func:`memory_budget`).
    file : str
        Where the scenario count comes from, for the message.

    Raises
    ------
    InputError
        ``problem.memory_scenarios`` when fewer scenarios would fit (naming how many),
        ``problem.memory_categories`` when not even the fewest scenarios do (too many
        categories, or too long a horizon, for any scenario count).
    """
    budget = memory_budget() if budget is None else budget
    need = estimate_bytes(size)
    if need <= budget:
        return
    fit = scenarios_that_fit(size, budget)
    params = {
        "scenarios": size.scenarios,
        "need": human_bytes(need),
        "budget": human_bytes(budget),
        "categories": size.categories,
        "steps": size.steps,
    }
    if fit >= MIN_SCENARIOS:
        fit = _round_down(fit)
        message = Text(
            f"scenarios = {size.scenarios:,} needs about {human_bytes(need)} of memory; at most "
            f"{fit:,} scenarios fit in {human_bytes(budget)} for {size.categories:,} "
            f"categories over {size.steps:,} grid days: lower scenarios "
            f"(or set {BUDGET_VARIABLE})",
            "problem.memory_scenarios",
            fit=fit,
            variable=BUDGET_VARIABLE,
            **params,
        )
        raise InputError([Problem(file, message, key="scenarios")])
    message = Text(
        f"{size.categories:,} categories over {size.steps:,} grid days need about "
        f"{human_bytes(estimate_bytes(_with_scenarios(size, MIN_SCENARIOS)))} of memory even "
        f"with {MIN_SCENARIOS} scenarios, over the budget of {human_bytes(budget)}: value "
        "fewer categories at once, shorten the horizon, the loan's tenor or its "
        f"revaluation frequency (or set {BUDGET_VARIABLE})",
        "problem.memory_categories",
        least=MIN_SCENARIOS,
        least_need=human_bytes(estimate_bytes(_with_scenarios(size, MIN_SCENARIOS))),
        variable=BUDGET_VARIABLE,
        **params,
    )
    raise InputError([Problem(file, message, key="scenarios")])


def _round_down(count: int) -> int:
    """A count rounded down to two significant digits (398,731 -> 390,000)."""
    if count < 100:
        return count
    scale = 10 ** (len(str(count)) - 2)
    return count // scale * scale
