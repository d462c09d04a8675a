"""The recommendation and the routes' notes in words, in the session's language.

finance renders each row's notes in either language; the recommendation's headline and
sentence are built here from its parts (the page's own wording, with the risks it names).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from finance import ValuationResult
from finance.decision.recommendation import NOISE_STANDARD_ERRORS, Recommendation
from ui.formatting import money, pct
from ui.i18n import label, lang, t

#: The routes a mix can use, in a fixed order (and a fixed colour each in the mix chart).
ROUTES = ("hold", "liquidate", "pledge_loan", "receipt_trust", "abs")


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


def notes(result: ValuationResult, option: str) -> str:
    """A row's notes in the session's language: finance renders its own notes."""
    index = result.options["option"].tolist().index(option)
    return result.option_notes(lang())[index]
