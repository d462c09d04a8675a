"""Market and policy assumptions: typed, validated, merged from the defaults and a user file.

The shipped ``data/assumptions.toml`` holds every default; a user's TOML file overrides
only the keys it names. Unknown keys are errors (a typo must not fall back silently to a
default), as are values out of range and contradictions such as a forced-sale coverage
line above the top-up line. Every problem is reported at once, naming the key.

Two merges are not key-by-key: a user's ``[curve]`` replaces the whole curve (a curve is
one market snapshot: mixing tenors from two dates would be wrong), and
``[categories.NAME]`` overrides single fields of that category (or adds one, taking the
fields it leaves out from ``generic``). ``[category_names]`` maps the company's own category
names to category keys (``"男装" = "apparel"``), key by key over the defaults' (none ship);
each target must be a category of the table in force, the user's additions included.
``[[liquidate.terms]]`` changes rows of the clearance-channel table (``data/channels.csv``):
a user's list replaces the defaults' (none ship), and its entries are named by their place
in it, counted from 1 as a reader counts them (``liquidate.terms[2].discount``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from finance.errors import InputError, Problem
from finance.inputs.categories import (
    Category,
    default_categories,
    parse_categories,
    table_problems,
)
from finance.inputs.channels import (
    FALLBACK,
    TERM_KEYS,
    TERM_RANGES,
    ChannelTerms,
    effective_channels,
    load_channels,
)
from finance.locale import Text, percent
from finance.market.curve import tenor_days
from finance.paths import DATA_DIR

DEFAULT_ASSUMPTIONS_FILE = DATA_DIR / "assumptions.toml"

#: The valuation dates the engine takes. QuantLib's dates run from 1901-01-01 to 2199-12-31
#: and the model looks up to 50 years past t0 (the longest curve tenor; every other day it
#: uses, horizons and tenors included, is within 25 years), with a year to spare.
EARLIEST_VALUATION_DATE = dt.date(1901, 1, 1)
LATEST_VALUATION_DATE = dt.date(2148, 12, 31)
#: The longest curve tenor, in days as :func:`finance.market.curve.tenor_days` counts them:
#: 50Y (600M, 2607W, 18250D).
MAX_TENOR_DAYS = 50 * 365
MAX_TENOR = "50Y"
#: Most tenors a curve may have: a market curve has a few dozen, and QuantLib advances each
#: pillar day by day on the calendar (18,000 daily pillars took half a minute).
MAX_CURVE_TENORS = 100
#: How deep arrays and inline tables may nest in an assumptions file. The file needs two
#: or three levels; Python's TOML reader recurses once per level, so a file nested
#: thousands deep would otherwise fail as a RecursionError, not as bad input.
MAX_TOML_NESTING = 64


@dataclass(frozen=True, slots=True)
class PledgeLoanTerms:
    """Terms of a pledge loan (库存质押融资). Rates and fees are annual decimals unless noted.

    Attributes
    ----------
    requested : float
        Loan requested, CNY; 0 means the whole borrowing base.
    tenor_months : int
        Term of the loan.
    rate : float
        Nominal annual interest rate (simple, Actual/365 Fixed accrual).
    upfront_fee : float
        Arrangement fee, fraction of the loan, paid at drawdown.
    monitoring_fee : float
        Collateral-supervision fee per year, fraction of collateral market value.
    warning_line, top_up_line, forced_sale_line : float
        Collateral-to-loan coverage ratios of the trigger ladder (警戒线, 补仓线, 平仓线).
    borrower_pd : float
        One-year probability of default of the borrower.
    interest_period_months : int
        Months between interest (and monitoring-fee) payments; 3 is Chinese banks'
        quarterly settlement (按季结息).
    """

    requested: float
    tenor_months: int
    rate: float
    upfront_fee: float
    monitoring_fee: float
    warning_line: float
    top_up_line: float
    forced_sale_line: float
    borrower_pd: float
    interest_period_months: int


@dataclass(frozen=True, slots=True)
class ReceiptTrustTerms:
    """Terms of a warehouse-receipt trust (仓单信托).

    Attributes
    ----------
    transfer_discount : float
        The trust buys the goods at market value times (1 - transfer_discount).
    subordinated_share : float
        Share of the trust's units the company keeps (paid last).
    senior_coupon : float
        Senior units' annual coupon, simple interest on Actual/365 Fixed, paid at maturity.
    tenor_months : int
        Months to the trust's maturity, when the goods are sold.
    trustee_fee : float
        Per year, on the transfer price, paid from the sale proceeds at maturity.
    upfront_fee : float
        Of the transfer price, paid at t0 out of the senior proceeds.
    buyback : bool
        The company must buy the receipts back at the senior claim (回购): it keeps the
        whole price risk.
    """

    transfer_discount: float
    subordinated_share: float
    senior_coupon: float
    tenor_months: int
    trustee_fee: float
    upfront_fee: float
    buyback: bool


@dataclass(frozen=True, slots=True)
class AbsTerms:
    """Terms of an ABS on the receivables that selling the stock on credit creates.

    Attributes
    ----------
    pool_months : int
        Months of sales whose receivables form the pool.
    credit_correlation : float
        Vasicek asset correlation of the obligors.
    senior_target, mezzanine_target : float
        Largest probability of loss each sold tranche may have.
    senior_spread, mezzanine_spread : float
        Spread over the curve (continuously compounded) at which each tranche is priced.
    underwriting_fee : float
        Fraction of the tranches sold.
    rating_fee, legal_fee : float
        Fixed amounts in the currency.
    trustee_fee : float
        Per year, on the notes outstanding.
    max_fixed_cost_share : float
        Rating and legal fees above this share of the issue flag it as below a sensible
        deal size, and make the route infeasible.
    """

    pool_months: int
    credit_correlation: float
    senior_target: float
    mezzanine_target: float
    senior_spread: float
    mezzanine_spread: float
    underwriting_fee: float
    rating_fee: float
    legal_fee: float
    trustee_fee: float
    max_fixed_cost_share: float


@dataclass(frozen=True, slots=True)
class TradeTerms:
    """The company's terms on normal-course sales, in every route (docs/model.md section 7a).

    Attributes
    ----------
    dso_days : int
        Days from a sale to its collection (days sales outstanding).
    customer_pd : float
        Probability that a customer defaults before paying.
    customer_lgd : float
        Loss given a customer's default, fraction of the invoice.
    """

    dso_days: int
    customer_pd: float
    customer_lgd: float

    @property
    def bad_debt(self) -> float:
        """Expected share of an invoice never collected, ``customer_pd * customer_lgd``."""
        return self.customer_pd * self.customer_lgd


@dataclass(frozen=True, slots=True)
class LiquidateTerms:
    """Which clearance channels the liquidation may use, and the terms the user changed.

    Attributes
    ----------
    channels : tuple of str
        Channels of ``data/channels.csv`` the liquidation may use.
    terms : tuple of ChannelTerms
        ``[[liquidate.terms]]``: rows of the channel table changed or added, in the file's
        order; :func:`finance.inputs.channels.effective_channels` applies them.
    """

    channels: tuple[str, ...]
    terms: tuple[ChannelTerms, ...] = ()


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Everything ``evaluate`` needs besides the lots.

    Attributes
    ----------
    valuation_date : datetime.date
        t0; all times are calendar days from it, year fractions Actual/365 Fixed.
    currency : str
        ISO code of every money amount.
    confidence : float
        Lender's confidence alpha of the haircut, in (0.5, 1).
    margin_period_days : int
        T_m, calendar days from a default to the start of the sale.
    correlation : float
        rho, the weight of the one common price factor, in [0, 1].
    price_demand_correlation : float
        rho_PD, correlation of each category's demand level with its price shock over the
        first year, in [-1, 1] (docs/model.md section 6a).
    alert_change : float
        Change in eligible collateral value since the borrower's last run, as a fraction of
        the last run's, above which an alert is raised (docs/model.md section 10), in [0, 1].
    discount_rate : float
        The company's discount rate for ``npv``, an effective annual rate (Actual/365 Fixed)
        as treasurers quote it.
    concentration_limit : float
        Largest share of the borrowing base one SKU may take.
    nolv_advance : float
        Advance rate on the orderly liquidation value.
    revaluation_days : int
        N_R, business days between collateral revaluations (Basel scaling).
    horizon_months : int
        Holding horizon of the hold option.
    scenarios, seed : int
        Monte Carlo scenario count and seed.
    cash_target : float
        Cash the company wants to raise now, CNY; 0 means no target.
    max_loss_p95 : float
        Risk limit on the mix: its 95% quantile of the loss kept at most this; 0: none.
    curve : tuple of (str, float)
        Zero curve: tenor and continuously compounded rate, Actual/365 Fixed.
    categories : dict of str to Category
        The category table after overrides.
    pledge_loan, receipt_trust, abs, liquidate
        Terms of each route.
    trade : TradeTerms
        The company's trade terms on normal-course sales, in every route.
    category_names : dict of str to str
        The company's own category names and the category key each stands for
        (``[category_names]``); :func:`finance.load_inventory` applies them when given.
    """

    valuation_date: dt.date
    currency: str
    confidence: float
    margin_period_days: int
    correlation: float
    discount_rate: float
    concentration_limit: float
    nolv_advance: float
    revaluation_days: int
    horizon_months: int
    scenarios: int
    seed: int
    cash_target: float
    max_loss_p95: float
    price_demand_correlation: float
    alert_change: float
    curve: tuple[tuple[str, float], ...]
    categories: dict[str, Category] = field(hash=False)
    pledge_loan: PledgeLoanTerms
    receipt_trust: ReceiptTrustTerms
    abs: AbsTerms
    liquidate: LiquidateTerms
    trade: TradeTerms
    category_names: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def curve_map(self) -> dict[str, float]:
        """The zero curve as a ``{tenor: rate}`` dict."""
        return dict(self.curve)


# ---------------------------------------------------------------------------- validation
# A check returns None when the value is fine, else what is wrong with it.
Check = Callable[[Any], str | None]


def range_text(
    v: float,
    lo: float,
    hi: float,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    whole: bool = False,
) -> Text:
    """``= v must be within [lo, hi]``, carrying the bounds (and, for a fraction, percentages).

    A key whose values lie within [-1, 1] is a fraction that the app shows in percent: the
    message then also carries ``value_pct``, ``lo_pct`` and ``hi_pct`` (0.4 -> "40%"), which
    :meth:`finance.errors.Problem.render` shows with ``percent=True``.
    """
    left, right = "(" if lo_open else "[", ")" if hi_open else "]"
    shown = f"[{lo}, {hi}]" if whole else f"{left}{lo:g}, {hi:g}{right}"
    params: dict[str, Any] = {"value": v, "bounds": shown}
    if not whole and lo >= -1 and hi <= 1:
        params |= {"value_pct": percent(v), "lo_pct": percent(lo), "hi_pct": percent(hi)}
    return Text(f"= {v} must be within {shown}", "problem.range", **params)


def _number(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int | float):
            return Text(f"must be a number, not {v!r}", "problem.key_not_number", value=repr(v))
        if not math.isfinite(v):
            return Text("must be a finite number", "problem.key_not_finite")
        below = v <= lo if lo_open else v < lo
        above = v >= hi if hi_open else v > hi
        if below or above:
            return range_text(v, lo, hi, lo_open=lo_open, hi_open=hi_open)
        return None

    return check


def _whole(lo: int, hi: int) -> Check:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return Text(
                f"must be a whole number, not {v!r}", "problem.key_not_whole", value=repr(v)
            )
        if not lo <= v <= hi:
            return range_text(v, lo, hi, whole=True)
        return None

    return check


def _boolean(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    return Text(f"must be true or false, not {v!r}", "problem.key_not_bool", value=repr(v))


def _currency(v: Any) -> str | None:
    ok = isinstance(v, str) and len(v) == 3 and v.isascii() and v.isalpha() and v.isupper()
    if ok:
        return None
    return Text(
        f"must be a three-letter ISO code such as CNY, not {v!r}",
        "problem.key_currency",
        value=repr(v),
    )


def _date(v: Any) -> str | None:
    if isinstance(v, dt.datetime):
        return Text("must be a date without a time, e.g. 2026-11-24", "problem.key_date_time")
    day = v if isinstance(v, dt.date) else None
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            day = dt.date.fromisoformat(v)
    if day is None:
        return Text(
            f"must be a date such as 2026-11-24, not {v!r}", "problem.key_date", value=repr(v)
        )
    if not EARLIEST_VALUATION_DATE <= day <= LATEST_VALUATION_DATE:
        lo, hi = EARLIEST_VALUATION_DATE.isoformat(), LATEST_VALUATION_DATE.isoformat()
        return Text(
            f"= {day.isoformat()} must be from {lo} to {hi} (QuantLib's calendar ends in "
            "2199 and the curve reaches 50 years past the valuation date)",
            "problem.key_date_range",
            value=day.isoformat(),
            lo=lo,
            hi=hi,
        )
    return None


def _text_list(v: Any) -> str | None:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return Text("must be a list of names", "problem.key_names")
    return None


def _array_of_tables(v: Any) -> str | None:
    # Only the shape here: each entry is checked against the tables in force, later.
    if isinstance(v, list) and all(isinstance(x, Mapping) for x in v):
        return None
    return Text(
        "must be an array of tables, each written [[liquidate.terms]] with channel, "
        "category and the terms it changes",
        "problem.key_terms",
    )


def _keyed(key: str, msg: str) -> str:
    """``key msg``, keeping the message's code and naming the key."""
    if isinstance(msg, Text):
        return Text(f"{key} {msg}", msg.code, name=key, **msg.params)
    return f"{key} {msg}"


FRACTION = _number(0, 1)
RATE = _number(0, 1, hi_open=True)
PROBABILITY = _number(0, 1, hi_open=True)
AMOUNT = _number(0, 1e15)
MONTHS = _whole(1, 120)

TOP_LEVEL: dict[str, Check] = {
    "valuation_date": _date,
    "currency": _currency,
    "confidence": _number(0.5, 1, lo_open=True, hi_open=True),
    "margin_period_days": _whole(0, 365),
    "correlation": FRACTION,
    "discount_rate": _number(-0.5, 1),
    "concentration_limit": _number(0, 1, lo_open=True),
    "nolv_advance": FRACTION,
    "revaluation_days": _whole(1, 250),
    "horizon_months": MONTHS,
    "scenarios": _whole(100, 1_000_000),
    "seed": _whole(0, 2**63 - 1),
    "cash_target": AMOUNT,
    "max_loss_p95": AMOUNT,
    "price_demand_correlation": _number(-1, 1),
    "alert_change": FRACTION,
}

SECTIONS: dict[str, dict[str, Check]] = {
    "pledge_loan": {
        "requested": AMOUNT,
        "tenor_months": MONTHS,
        "rate": RATE,
        "upfront_fee": RATE,
        "monitoring_fee": RATE,
        "warning_line": _number(0, 100, lo_open=True),
        "top_up_line": _number(0, 100, lo_open=True),
        "forced_sale_line": _number(0, 100, lo_open=True),
        "borrower_pd": FRACTION,
        "interest_period_months": _whole(1, 12),
    },
    "receipt_trust": {
        "transfer_discount": RATE,
        "subordinated_share": RATE,
        "senior_coupon": RATE,
        "tenor_months": MONTHS,
        "trustee_fee": RATE,
        "upfront_fee": RATE,
        "buyback": _boolean,
    },
    "trade": {
        "dso_days": _whole(0, 365),
        "customer_pd": PROBABILITY,
        "customer_lgd": FRACTION,
    },
    "abs": {
        "pool_months": MONTHS,
        # Deprecated: the receivables' terms are the company's [trade] terms now. Still
        # read, as the [trade] key each stands for when the file has no [trade] value.
        "dso_days": _whole(0, 365),
        "obligor_pd": PROBABILITY,
        "lgd": FRACTION,
        "credit_correlation": PROBABILITY,
        "senior_target": _number(0, 0.5, lo_open=True),
        "mezzanine_target": _number(0, 0.5, lo_open=True),
        "senior_spread": RATE,
        "mezzanine_spread": RATE,
        "underwriting_fee": RATE,
        "rating_fee": AMOUNT,
        "legal_fee": AMOUNT,
        "trustee_fee": RATE,
        "max_fixed_cost_share": _number(0, 1, lo_open=True),
    },
    "liquidate": {"channels": _text_list, "terms": _array_of_tables},
}
#: Section keys a document may leave out, defaults included (nothing to change).
OPTIONAL: frozenset[str] = frozenset({"liquidate.terms"})
TABLES = ("curve", "categories", "category_names", *SECTIONS)
#: Deprecated ``[abs]`` keys and the ``[trade]`` keys they stand for.
DEPRECATED_ABS_KEYS: dict[str, str] = {
    "dso_days": "dso_days",
    "obligor_pd": "customer_pd",
    "lgd": "customer_lgd",
}


def _check_curve(curve: Any, file: str) -> list[Problem]:
    if not isinstance(curve, Mapping) or not curve:
        return [
            Problem(
                file,
                Text("[curve] must be a non-empty table of tenor = rate", "problem.curve_table"),
                key="curve",
            )
        ]
    if len(curve) > MAX_CURVE_TENORS:
        message = Text(
            f"[curve] has {len(curve):,} tenors; at most {MAX_CURVE_TENORS} are taken",
            "problem.curve_too_many",
            count=len(curve),
            limit=MAX_CURVE_TENORS,
        )
        return [Problem(file, message, key="curve")]
    problems = []
    previous = 0
    for tenor, rate in curve.items():
        key = f"curve.{tenor}"
        try:
            days = tenor_days(str(tenor))
        except (ValueError, RuntimeError):
            message = Text(
                f"tenor {tenor!r} is not like 1M, 6M, 1Y", "problem.tenor", tenor=str(tenor)
            )
            problems.append(Problem(file, message, key=key))
            continue
        if days > MAX_TENOR_DAYS:
            message = Text(
                f"tenor {tenor!r} is longer than {MAX_TENOR}, the longest the curve takes",
                "problem.tenor_too_long",
                tenor=str(tenor),
                longest=MAX_TENOR,
            )
            problems.append(Problem(file, message, key=key))
            continue
        if days <= previous:
            problems.append(
                Problem(
                    file,
                    Text(
                        f"tenor {tenor!r} must be longer than the one before it",
                        "problem.tenor_order",
                        tenor=str(tenor),
                    ),
                    key=key,
                )
            )
        previous = max(previous, days)
        if msg := _number(-0.2, 1)(rate):
            problems.append(Problem(file, _keyed(key, msg), key=key))
    return problems


def _contradictions(merged: Mapping[str, Any], file: str, bad: set[str]) -> list[Problem]:
    """Check across keys, skipping a check whose keys already have a problem (``bad``)."""
    problems = []
    pl = merged["pledge_loan"]
    lines = {"pledge_loan.warning_line", "pledge_loan.top_up_line", "pledge_loan.forced_sale_line"}
    if not lines & bad and not pl["warning_line"] > pl["top_up_line"] > pl["forced_sale_line"]:
        problems.append(
            Problem(
                file,
                Text(
                    "the coverage lines must fall from warning_line to top_up_line to "
                    f"forced_sale_line, got {pl['warning_line']} / {pl['top_up_line']} / "
                    f"{pl['forced_sale_line']}",
                    "problem.coverage_lines",
                    warning=pl["warning_line"],
                    top_up=pl["top_up_line"],
                    forced=pl["forced_sale_line"],
                ),
                key="pledge_loan.top_up_line",
            )
        )
    ab = merged["abs"]
    targets = {"abs.senior_target", "abs.mezzanine_target"}
    if not targets & bad and not ab["senior_target"] < ab["mezzanine_target"]:
        problems.append(
            Problem(
                file,
                Text(
                    "abs.senior_target must be below abs.mezzanine_target "
                    "(the senior tranche is the safer one)",
                    "problem.abs_targets",
                ),
                key="abs.senior_target",
            )
        )
    return problems


def _check_section(name: str, table: Any, checks: Mapping[str, Check], file: str) -> list[Problem]:
    if not isinstance(table, Mapping):
        return [Problem(file, Text(f"[{name}] must be a table", "problem.not_table"), key=name)]
    problems = [
        Problem(file, Text(f"unknown key {name}.{k}", "problem.unknown_key"), key=f"{name}.{k}")
        for k in table
        if k not in checks
    ]
    for key, value in table.items():
        if key in checks and (msg := checks[key](value)):
            problems.append(Problem(file, _keyed(f"{name}.{key}", msg), key=f"{name}.{key}"))
    return problems


def _check_category_names(table: Any, file: str) -> list[Problem]:
    """Check the shape of ``[category_names]``: names to text (targets are checked later)."""
    if not isinstance(table, Mapping):
        return [
            Problem(
                file,
                Text(
                    "[category_names] must be a table of name = category",
                    "problem.category_names_table",
                ),
                key="category_names",
            )
        ]
    return [
        Problem(
            file,
            Text(
                f"category_names.{name} must name a category as text, not {target!r}",
                "problem.category_name_text",
                value=repr(target),
            ),
            key=f"category_names.{name}",
        )
        for name, target in table.items()
        if not isinstance(target, str) or not name.strip()
    ]


def _unknown_targets(
    names: Mapping[str, Any], categories: Mapping[str, Any], file: str
) -> list[Problem]:
    """A ``[category_names]`` entry whose target is not a category of the table in force."""
    known = ", ".join(categories)
    return [
        Problem(
            file,
            Text(
                f"category_names.{name} = {target!r} is not a known category; known: {known}",
                "problem.category_name_unknown",
                value=target,
                known=known,
            ),
            key=f"category_names.{name}",
        )
        for name, target in names.items()
        if isinstance(target, str) and target not in categories
    ]


def _check_document(doc: Mapping[str, Any], file: str) -> list[Problem]:
    """Check keys and value ranges of one TOML document (defaults or a user's file)."""
    problems: list[Problem] = []
    for key, value in doc.items():
        if key in TOP_LEVEL:
            if msg := TOP_LEVEL[key](value):
                problems.append(Problem(file, _keyed(key, msg), key=key))
        elif key in SECTIONS:
            problems += _check_section(key, value, SECTIONS[key], file)
        elif key == "curve":
            problems += _check_curve(value, file)
        elif key == "category_names":
            problems += _check_category_names(value, file)
        elif key != "categories":
            message = Text(f"unknown key {key}", "problem.unknown_key")
            problems.append(Problem(file, message, key=key))
    return problems


_KEY_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|'[^'\n]*')"""
#: What the nesting scan looks at: dotted keys (each dot a table deeper), strings and
#: comments whole (a bracket or a dot in them does not nest), and the brackets and braces
#: of arrays and inline tables.
_TOML_TOKENS = re.compile(
    rf"(?P<key>{_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})+)"  # dotted key (or a float)
    r'|"""(?:[^"\\]|\\.|"(?!""))*"""'  # multi-line basic string
    r"|'''.*?'''"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|(?P<open>[\[{])|(?P<close>[\]}])",
    re.DOTALL,
)


def toml_nesting_problem(text: str, name: str) -> Problem | None:
    """A problem when arrays, inline tables or dotted keys nest deeper than the limit.

    A scan of the text before parsing, linear in its length: ``tomllib`` recurses once per
    level of arrays and inline tables, its cost grows with the square of a dotted key's
    length, and the depth of a file is the user's to choose (:data:`MAX_TOML_NESTING`).
    """
    depth = 0
    for token in _TOML_TOKENS.finditer(text):
        if token.group("open"):
            depth += 1
        elif token.group("close"):
            depth = max(depth - 1, 0)
        elif not (token.group("key") and token.group().count(".") > MAX_TOML_NESTING):
            continue
        if depth > MAX_TOML_NESTING or token.group("key"):
            return _nesting(name, text.count("\n", 0, token.start()) + 1)
    return None


def _nesting(name: str, line: int | None) -> Problem:
    where = f" (line {line})" if line is not None else ""
    message = Text(
        f"arrays, inline tables or dotted keys are nested more than {MAX_TOML_NESTING} deep"
        f"{where}; an assumptions file needs two or three levels",
        "problem.toml_nesting",
        limit=MAX_TOML_NESTING,
        line=line if line is not None else "?",
    )
    return Problem(name, message)


def _read_toml(source: str | Path | bytes, name: str) -> dict[str, Any]:
    try:
        if isinstance(source, bytes):
            text = source.decode("utf-8-sig")
        else:
            text = Path(source).read_text(encoding="utf-8-sig")
        if nesting := toml_nesting_problem(text, name):
            raise InputError([nesting])
        return tomllib.loads(text)
    except RecursionError as exc:  # nesting the scan did not see
        raise InputError([_nesting(name, None)]) from exc
    except FileNotFoundError as exc:
        message = Text("file not found", "problem.file_not_found")
        raise InputError([Problem(name, message)]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        message = Text(f"cannot read the file: {exc}", "problem.cannot_read", detail=str(exc))
        raise InputError([Problem(name, message)]) from exc
    except tomllib.TOMLDecodeError as exc:
        message = Text(f"not valid TOML: {exc}", "problem.toml", detail=str(exc))
        raise InputError([Problem(name, message)]) from exc


def read_assumptions_file(path: str | Path) -> dict[str, Any]:
    """Read a user's TOML assumptions file as a dict (not yet validated).

    Raises
    ------
    InputError
        If the file cannot be read or is not TOML.
    """
    return _read_toml(path, Path(path).name)


def _available_channels() -> set[str]:
    return set(load_channels()["channel"])


#: The range check of each channel term: the channel table's own ranges.
TERM_CHECKS: dict[str, Check] = {
    name: _whole(int(lo), int(hi)) if name == "days_to_cash" else _number(lo, hi)
    for name, (lo, hi) in TERM_RANGES.items()
}


def _term_problems(
    entries: list[Mapping[str, Any]], file: str, categories: Mapping[str, Any]
) -> tuple[list[Problem], tuple[ChannelTerms, ...]]:
    """Check ``[[liquidate.terms]]`` against the channel table and the categories in force.

    Returns the problems, each naming its key (``liquidate.terms[2].fee``, counting the
    entries from 1), and the entries that have none, typed.
    """
    table = load_channels()
    channels = sorted(set(table["channel"]))
    known = sorted({*categories, FALLBACK})
    problems: list[Problem] = []
    good: list[tuple[str, ChannelTerms]] = []
    first: dict[tuple[str, str], str] = {}
    for number, entry in enumerate(entries, start=1):
        where = f"liquidate.terms[{number}]"
        found: list[tuple[str, Text]] = [
            (f"{where}.{k}", Text(f"unknown key {where}.{k}", "problem.unknown_key"))
            for k in entry
            if k not in TERM_KEYS
        ]
        for k in ("channel", "category"):
            key, value = f"{where}.{k}", entry.get(k)
            if value is None:
                found.append((key, Text(f"no value for {key}", "problem.no_value")))
            elif not isinstance(value, str):
                message = f"{key} must be a name, not {value!r}"
                found.append((key, Text(message, "problem.term_name", name=key, value=repr(value))))
        channel, category = entry.get("channel"), entry.get("category")
        if isinstance(channel, str) and channel not in channels:
            key = f"{where}.channel"
            message = f"{key} = {channel!r} is not a known channel; known: {channels}"
            found.append(
                (
                    key,
                    Text(message, "problem.term_channel", name=key, value=channel, known=channels),
                )
            )
        if isinstance(category, str) and category not in known:
            key = f"{where}.category"
            message = f"{key} = {category!r} is not a known category; known: {known}"
            found.append(
                (key, Text(message, "problem.term_category", name=key, value=category, known=known))
            )
        for name, check in TERM_CHECKS.items():
            if name in entry and (msg := check(entry[name])):
                found.append((f"{where}.{name}", _keyed(f"{where}.{name}", msg)))
        pair = (channel, category)
        if not found and pair in first:
            message = (
                f"{where} repeats channel {channel!r} and category {category!r} of {first[pair]}"
            )
            found.append(
                (
                    where,
                    Text(
                        message,
                        "problem.term_repeated",
                        name=where,
                        channel=channel,
                        category=category,
                        first=first[pair],
                    ),
                )
            )
        problems += [Problem(file, message, key=key) for key, message in found]
        if not found:
            first[pair] = where
            given = {k: entry[k] for k in TERM_RANGES if k in entry}
            good.append((where, ChannelTerms(channel, category, **given)))
    # A row the table lacks, on a channel with no generic row, has nothing to take the
    # terms left out from (no shipped channel is like that).
    after_generic = effective_channels([t for _, t in good if t.category == FALLBACK], table)
    pairs = set(zip(after_generic["channel"], after_generic["category"], strict=True))
    for where, term in good:
        missing = [k for k in TERM_RANGES if getattr(term, k) is None]
        based = {(term.channel, term.category), (term.channel, FALLBACK)} & pairs
        if missing and not based:
            message = (
                f"{where}: channel {term.channel!r} has no row for {term.category!r} nor a "
                f"generic one to take {missing} from; give them"
            )
            problems.append(
                Problem(
                    file,
                    Text(
                        message,
                        "problem.term_incomplete",
                        name=where,
                        channel=term.channel,
                        category=term.category,
                        missing=missing,
                    ),
                    key=where,
                )
            )
    return problems, tuple(term for _, term in good)


def _with_trade_from_abs(user: dict[str, Any]) -> dict[str, Any]:
    """Carry the deprecated ``[abs]`` receivables keys to the ``[trade]`` keys they stand for.

    A file written before the trade terms applied to every route keeps its meaning; a
    ``[trade]`` value of its own wins.
    """
    old = user.get("abs")
    if not isinstance(old, Mapping) or not set(old) & set(DEPRECATED_ABS_KEYS):
        return user
    trade = user.get("trade", {})
    if not isinstance(trade, Mapping):
        return user
    carried = {DEPRECATED_ABS_KEYS[k]: v for k, v in old.items() if k in DEPRECATED_ABS_KEYS}
    return {**user, "trade": {**carried, **trade}}


def parse_assumptions(
    user: Mapping[str, Any] | None = None,
    *,
    file: str = "assumptions",
    defaults: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Assumptions:
    """Merge a user's assumptions onto the defaults, validate, and type them.

    Parameters
    ----------
    user : mapping, optional
        The user's TOML document as a dict; keys it leaves out keep their defaults.
    file : str
        Name used in error messages for the user's keys.
    defaults : mapping, optional
        The default document (default: ``data/assumptions.toml``).
    today : datetime.date, optional
        The valuation date when neither document names one (default: the system date).

    Returns
    -------
    Assumptions

    Raises
    ------
    InputError
        Every unknown key, bad value and contradiction, each naming its key.
    """
    if defaults is None:
        defaults = _read_toml(DEFAULT_ASSUMPTIONS_FILE, DEFAULT_ASSUMPTIONS_FILE.name)
    user = dict(user or {})
    problems = _check_document(defaults, DEFAULT_ASSUMPTIONS_FILE.name)
    problems += _check_document(user, file)

    merged: dict[str, Any] = {k: v for k, v in defaults.items() if k not in ("categories",)}
    user = _with_trade_from_abs(user)
    for key, value in user.items():
        if key in (*SECTIONS, "category_names"):
            if isinstance(value, Mapping):  # a non-table is already a recorded problem
                merged[key] = {**merged.get(key, {}), **value}
        elif key != "categories":
            merged[key] = value
    missing = [k for k in TOP_LEVEL if k not in merged and k != "valuation_date"]
    missing += [
        f"{s}.{k}"
        for s, checks in SECTIONS.items()
        for k in checks
        if k not in merged.get(s, {})
        and not (s == "abs" and k in DEPRECATED_ABS_KEYS)
        and f"{s}.{k}" not in OPTIONAL
    ]
    if "curve" not in merged:
        missing.append("curve")
    problems += [
        Problem(file, Text(f"no value for {k}", "problem.no_value"), key=k) for k in missing
    ]
    # Cross-key checks compare values, so each runs only when its own keys passed.
    bad = {p.key for p in problems if p.key}
    sections_ok = all(isinstance(merged.get(k), Mapping) for k in ("pledge_loan", "abs"))
    if not missing and sections_ok:
        problems += _contradictions(merged, file, bad)

    categories = default_categories()
    tables = dict(defaults.get("categories", {}))
    if "categories" in user and not isinstance(user["categories"], Mapping):
        message = Text("[categories] must hold tables", "problem.categories_tables")
        problems.append(Problem(file, message, key="categories"))
    elif "categories" in user:
        tables.update(user["categories"])
    # Each table checked on its own, so that a bad field in one hides no check on the
    # others; the good ones merged at once (one at a time copied the table each time).
    good = {}
    for name, table in tables.items():
        found = table_problems(name, table, file=file, complete=False)
        problems += found
        if not found:
            good[name] = table
    categories = parse_categories(good, base=categories, file=file)
    for name, cat in categories.items():
        if cat.forced_days > cat.orderly_days:
            problems.append(
                Problem(
                    file,
                    Text(
                        f"categories.{name}: forced_days ({cat.forced_days}) is longer than "
                        f"orderly_days ({cat.orderly_days}); a forced sale is the faster one",
                        "problem.forced_days",
                        forced=cat.forced_days,
                        orderly=cat.orderly_days,
                    ),
                    key=f"categories.{name}.forced_days",
                )
            )
    names = merged.get("category_names", {})
    names = names if isinstance(names, Mapping) else {}
    problems += _unknown_targets(names, categories, file)
    channels = merged.get("liquidate", {}).get("channels", [])
    unknown_channels = (
        sorted(set(channels) - _available_channels()) if not _text_list(channels) else []
    )
    entries = merged.get("liquidate", {}).get("terms", [])
    terms: tuple[ChannelTerms, ...] = ()
    if not _array_of_tables(entries):  # another shape is already a recorded problem
        own = isinstance(user.get("liquidate"), Mapping) and "terms" in user["liquidate"]
        where = file if own else DEFAULT_ASSUMPTIONS_FILE.name
        found, terms = _term_problems(entries, where, categories)
        problems += found
    if unknown_channels:
        problems.append(
            Problem(
                file,
                Text(
                    f"liquidate.channels names unknown channels {unknown_channels}; "
                    f"known: {sorted(_available_channels())}",
                    "problem.unknown_channels",
                    channels=unknown_channels,
                    known=sorted(_available_channels()),
                ),
                key="liquidate.channels",
            )
        )
    if problems:
        raise InputError(problems)

    valuation_date = merged.get("valuation_date", today or dt.date.today())
    if isinstance(valuation_date, str):
        valuation_date = dt.date.fromisoformat(valuation_date)

    def section(cls: type, name: str) -> Any:
        values = merged[name]
        return cls(**{f.name: values[f.name] for f in fields(cls)})

    return Assumptions(
        valuation_date=valuation_date,
        currency=merged["currency"],
        confidence=float(merged["confidence"]),
        margin_period_days=int(merged["margin_period_days"]),
        correlation=float(merged["correlation"]),
        discount_rate=float(merged["discount_rate"]),
        concentration_limit=float(merged["concentration_limit"]),
        nolv_advance=float(merged["nolv_advance"]),
        revaluation_days=int(merged["revaluation_days"]),
        horizon_months=int(merged["horizon_months"]),
        scenarios=int(merged["scenarios"]),
        seed=int(merged["seed"]),
        cash_target=float(merged["cash_target"]),
        max_loss_p95=float(merged["max_loss_p95"]),
        price_demand_correlation=float(merged["price_demand_correlation"]),
        alert_change=float(merged["alert_change"]),
        curve=tuple((str(k).strip().upper(), float(v)) for k, v in merged["curve"].items()),
        categories=categories,
        pledge_loan=section(PledgeLoanTerms, "pledge_loan"),
        receipt_trust=section(ReceiptTrustTerms, "receipt_trust"),
        abs=section(AbsTerms, "abs"),
        liquidate=LiquidateTerms(tuple(merged["liquidate"]["channels"]), terms),
        trade=section(TradeTerms, "trade"),
        category_names={str(k).strip(): str(v) for k, v in names.items()},
    )


def load_assumptions(
    source: str | Path | bytes | None = None,
    *,
    name: str | None = None,
    today: dt.date | None = None,
) -> Assumptions:
    """Load assumptions: the shipped defaults, overridden by a user's TOML file.

    Parameters
    ----------
    source : str, Path or bytes, optional
        The user's TOML file (a path, or its bytes from an upload); None for the defaults.
    name : str, optional
        File name for error messages (default: the path's name).
    today : datetime.date, optional
        Valuation date when no file names one (default: the system date).

    Returns
    -------
    Assumptions

    Raises
    ------
    InputError
        Unreadable or invalid TOML, unknown keys, out-of-range values, contradictions.
    """
    if source is None:
        return parse_assumptions(None, today=today)
    label = name or (Path(source).name if not isinstance(source, bytes) else "assumptions.toml")
    if (
        not isinstance(source, bytes)
        and Path(source).resolve() == DEFAULT_ASSUMPTIONS_FILE.resolve()
    ):
        return parse_assumptions(None, today=today)
    return parse_assumptions(_read_toml(source, label), file=label, today=today)
