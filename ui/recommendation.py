"""The recommendation and the routes' notes in words, in the session's language.

finance gives the recommendation as parts (its ``reason`` is English only) and each row's
notes in English; the sentences here are built from the parts and the routes' results, so
that a Chinese session reads Chinese.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from finance import ValuationResult
from finance.decision.recommendation import NOISE_STANDARD_ERRORS, Recommendation
from ui.formatting import money, pct
from ui.i18n import label, lang, t

#: The routes a mix can use, in a fixed order (and a fixed colour each in the mix chart).
ROUTES = ("hold", "liquidate", "pledge_loan", "receipt_trust", "abs")

# Why a row is not feasible: finance's English note -> catalog key (the note is shown as
# it is when it matches none of these).
_INFEASIBLE = (
    (re.compile(r"^no channel pays more"), "infeasible.no_channel"),
    (re.compile(r"^no borrowing base"), "infeasible.no_borrowing_base"),
    (re.compile(r"^no eligible stock of a receipt-eligible"), "infeasible.no_receipt_stock"),
    (re.compile(r"^no senior coupon would compensate"), "infeasible.no_coupon"),
    (re.compile(r"^the senior units raise nothing"), "infeasible.senior_raise_nothing"),
    (re.compile(r"^below the minimum sensible issue"), "infeasible.abs_below_minimum"),
    (re.compile(r"^the sold notes raise nothing"), "infeasible.abs_raise_nothing"),
    (re.compile(r"^issue \S+ 0;"), "infeasible.abs_no_issue"),
    (re.compile(r"meets the cash target and the risk limit$"), "infeasible.mix_target_limit"),
    (re.compile(r"meets the cash target$"), "infeasible.mix_target"),
)


def _risks(rec: Recommendation) -> dict[str, float]:
    return {name: float(value) for name, value in rec.risks}


def allocation_words(allocation: tuple[tuple[str, str, float], ...]) -> str:
    """What the mix puts where: "100% of Copper into Liquidate, ..." (empty when nothing)."""
    parts = [
        t(
            "recommend.allocation_part",
            share=pct(share, 0),
            category=label("category", category),
            route=label("option", route),
        )
        for category, route, share in allocation
    ]
    return t("recommend.allocation_sep").join(parts)


def risk_words(rec: Recommendation, currency: str) -> str:
    """The recommended route's risks: the loan's coverage and lines, the trust's coupon."""
    risks, words = _risks(rec), ""
    if "loss_p95" in risks:
        words += t("recommend.loss_kept", loss=money(risks["loss_p95"], currency))
    if "coverage" in risks:
        words += t(
            "recommend.pledge",
            coverage=f"{risks['coverage']:.2f}×",
            p_warning=pct(risks.get("p_warning", math.nan)),
            p_top_up=pct(risks.get("p_top_up", math.nan)),
            p_forced_sale=pct(risks.get("p_forced_sale", math.nan)),
        )
    if "fair_coupon" in risks:
        fair, offered = risks["fair_coupon"], risks.get("offered_coupon", math.nan)
        if math.isnan(offered):
            words += t("recommend.trust", fair=pct(fair))
        else:
            words += t("recommend.trust_repriced", fair=pct(fair), offered=pct(offered))
    if rec.allocation:
        words += t("recommend.allocation", parts=allocation_words(rec.allocation))
    return words


def noise(rec: Recommendation, options: pd.DataFrame) -> float:
    """The noise a lead over hold must beat: two standard errors of the leading route."""
    row = options.loc[options["option"] == rec.runner_up, "npv_std_error"]
    return NOISE_STANDARD_ERRORS * float(row.iloc[0]) if len(row) else math.nan


def least_loss(options: pd.DataFrame) -> tuple[str, float]:
    """The feasible row with the smallest 95% loss kept, and that loss."""
    feasible = options[options["feasible"].astype(bool)]
    if feasible.empty:
        return "", math.nan
    row = feasible.loc[feasible["loss_retained_p95"].idxmin()]
    return str(row["option"]), float(row["loss_retained_p95"])


def headline(rec: Recommendation, currency: str, cash_target: float, max_loss: float) -> str:
    """The box's text: what is recommended, or why nothing is."""
    if rec.kind == "hold_within_noise":
        return t("financing.recommended_hold", option=label("option", rec.option))
    if rec.is_recommendation:
        return t("financing.recommended", option=label("option", rec.option))
    if rec.kind == "target_out_of_reach":
        values = {
            "target": money(cash_target, currency),
            "limit": money(max_loss, currency),
            "max_cash": money(rec.max_cash, currency),
            "option": label("option", rec.max_cash_option),
        }
        if cash_target > 0 and max_loss > 0:
            return t("financing.out_of_reach_both", **values)
        if max_loss > 0:
            return t("financing.out_of_reach_limit", **values)
        return t("financing.out_of_reach_target", **values)
    return t("financing.none")


def sentence(
    rec: Recommendation,
    currency: str,
    cash_target: float,
    discount_rate: float,
    options: pd.DataFrame | None = None,
    max_loss: float = 0.0,
) -> str:
    """One paragraph: what to do and why, naming the rate, the target and the risks."""
    if rec.kind in ("", "none_feasible"):
        return t("recommend.none_feasible")
    options = options if options is not None else pd.DataFrame(columns=["option"])
    if rec.kind == "target_out_of_reach":
        words = t(
            "recommend.target_out_of_reach",
            max_cash=money(rec.max_cash, currency),
            max_option=label("option", rec.max_cash_option),
        )
        if max_loss > 0 and "loss_retained_p95" in options:
            option, loss = least_loss(options)
            if option:
                words += t(
                    "recommend.least_loss",
                    loss=money(loss, currency),
                    option=label("option", option),
                )
        return words
    target = (
        t("recommend.target", target_amount=money(cash_target, currency)) if cash_target > 0 else ""
    )
    values: dict[str, Any] = {
        "option": label("option", rec.option),
        "npv": money(rec.npv, currency),
        "cash": money(rec.cash_now, currency),
        "rate": pct(discount_rate, 1),
        "target": target,
        "runner_up": label("option", rec.runner_up) if rec.runner_up else "",
        "margin": money(rec.margin, currency),
    }
    if rec.kind == "hold_within_noise":
        values["noise"] = (
            money(noise(rec, options), currency) if "npv_std_error" in options else "–"
        )
    return t(f"recommend.{rec.kind}", **values) + risk_words(rec, currency)


def not_feasible(note: str) -> str:
    """Why a row is not feasible, in the session's language (finance's note otherwise)."""
    for pattern, key in _INFEASIBLE:
        if pattern.search(note.strip()):
            return t(key)
    return note


def notes(result: ValuationResult, option: str, feasible: bool, note: str) -> str:
    """A row's notes: finance's own in English, built from the route's results otherwise."""
    if not feasible:
        return not_feasible(note)
    if lang() == "en":
        return note
    currency = result.assumptions.currency
    if option == "hold":
        return t("note.hold")
    if option == "liquidate":
        row = result.options.loc[result.options["option"] == "liquidate", "cash_now"]
        return t("note.liquidate", cash=money(float(row.iloc[0]) if len(row) else 0.0, currency))
    if option == "pledge_loan":
        loan = result.pledge_loan
        p = dict(zip(loan.triggers["line"], loan.triggers["probability"], strict=True))
        return t(
            "note.pledge_loan",
            loan=money(loan.loan, currency),
            coverage=f"{loan.coverage:.2f}×",
            p_warning=pct(p.get("warning_line", math.nan), 1),
            p_top_up=pct(p.get("top_up_line", math.nan), 1),
            p_forced_sale=pct(p.get("forced_sale_line", math.nan), 1),
        )
    if option == "receipt_trust":
        trust = result.receipt_trust
        total = float(result.summary.get("market_value", 0.0) or 0.0)
        share = pct(trust.pool_value / total if total else 0.0, 0)
        if trust.buyback:
            return t("note.receipt_trust_buyback", share=share)
        offered = (
            trust.offered_coupon
            if trust.repriced
            else result.assumptions.receipt_trust.senior_coupon
        )
        fair, offered = pct(trust.fair_senior_coupon), pct(offered)
        key = "note.receipt_trust_repriced" if trust.repriced else "note.receipt_trust"
        return t(key, share=share, fair=fair, offered=offered)
    if option == "abs":
        return t("note.abs", issue=money(result.abs.issue_size, currency))
    if option == "mix":
        allocation = tuple(
            (str(r.category), str(r.route), float(r.share))
            for r in result.mix.itertuples()
            if r.route != "hold"
        )
        if not allocation:
            return t("note.mix_hold")
        return t("recommend.allocation", parts=allocation_words(allocation)).strip()
    return note
