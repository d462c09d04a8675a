"""The recommendation (docs/model.md section 8b): what to do, and the risks that come with it.

Recommend the feasible row (the mix included) with the best ``npv`` among those that raise
the cash target and keep within the risk limit. With no cash target, a financing route is
recommended over holding only when its lead is larger than the simulation's noise (two
standard errors). The recommendation carries, as parts for a sentence in any language,
the figures a risk officer asks for: for a pledge loan the coverage at drawdown and the
probabilities of the warning, top-up and forced-sale lines; for a trust the coupon
investors need; for a mix what goes where. When no row meets the target, nothing is
recommended: the parts name the most any row can raise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from finance.locale import Text

#: Leads within this many standard errors of hold are noise.
NOISE_STANDARD_ERRORS = 2.0


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The recommended route and why: one English sentence and its parts.

    Attributes
    ----------
    option : str
        The recommended option; "" when none is (nothing feasible, or no row meets the
        cash target and the risk limit).
    reason : str
        Why, in English.
    kind : str
        ``none_feasible``, ``target_out_of_reach`` (no row meets the target or limit),
        ``hold_within_noise`` (a financing route leads hold by no more than the noise),
        ``only``, ``beats`` or ``ties`` (best NPV ahead of, or level with, ``runner_up``).
    runner_up : str
        The next best option by NPV, or the route within the noise ("" when none).
    margin : float
        NPV lead over the runner-up, currency (0 when there is none).
    npv, cash_now : float
        The recommended option's NPV and cash raised now (NaN when none).
    max_cash : float
        The most cash any feasible row raises (for ``target_out_of_reach``).
    max_cash_option : str
        The row that raises it.
    risks : tuple of (str, float)
        Named figures of the recommended route: ``coverage``, ``p_warning``,
        ``p_top_up``, ``p_forced_sale`` (pledge loan); ``fair_coupon``, ``offered_coupon``
        (trust); ``loss_p95`` (any).
    allocation : tuple of (str, str, float)
        For a mix: (category, route, share of the category's market value).
    currency : str
    cash_target, max_loss_p95 : float
        The target and the risk limit the choice was made under (0: none).
    discount_rate : float
        The company's rate named in the sentence (NaN when none was given).
    noise : float
        For ``hold_within_noise``: the noise the lead is within.

    ``reason`` is a :class:`finance.locale.Text`: ``finance.locale.render(rec.reason,
    "zh")`` gives it in Chinese.
    """

    option: str
    reason: str
    kind: str = ""
    runner_up: str = ""
    margin: float = 0.0
    npv: float = float("nan")
    cash_now: float = float("nan")
    max_cash: float = float("nan")
    max_cash_option: str = ""
    risks: tuple[tuple[str, float], ...] = ()
    allocation: tuple[tuple[str, str, float], ...] = ()
    currency: str = "CNY"
    cash_target: float = 0.0
    max_loss_p95: float = 0.0
    discount_rate: float = float("nan")
    noise: float = float("nan")

    @property
    def is_recommendation(self) -> bool:
        """Whether a route is recommended (never when the target is out of reach)."""
        return bool(self.option)


def _risk_words(option: str, risks: Mapping[str, float], currency: str) -> str:
    if option == "pledge_loan" and "coverage" in risks:
        return Text(
            f" The loan starts at coverage {risks['coverage']:.2f}x; the collateral reaches "
            f"the warning line in {risks['p_warning']:.1%} of scenarios, the top-up (margin "
            f"call) line in {risks['p_top_up']:.1%} and the forced-sale line in "
            f"{risks['p_forced_sale']:.1%}.",
            "recommend.pledge",
            coverage=risks["coverage"],
            p_warning=risks["p_warning"],
            p_top_up=risks["p_top_up"],
            p_forced_sale=risks["p_forced_sale"],
        )
    if option == "receipt_trust" and "fair_coupon" in risks:
        offered = risks.get("offered_coupon", float("nan"))
        if not math.isnan(offered):
            return Text(
                f" Investors need a senior coupon of {risks['fair_coupon']:.2%} for the risk "
                f"they bear, above the {offered:.2%} offered: the trust is priced at "
                f"{risks['fair_coupon']:.2%}.",
                "recommend.trust_repriced",
                fair=risks["fair_coupon"],
                offered=offered,
            )
        return Text(
            f" Investors need a senior coupon of {risks['fair_coupon']:.2%}.",
            "recommend.trust",
            fair=risks["fair_coupon"],
        )
    return ""


def allocation_text(allocation: tuple[tuple[str, str, float], ...]) -> Text:
    """What a mix puts where, "60% of apparel to liquidate, ...", in parts for any language."""
    return Text.join(
        ", ",
        (
            Text(
                f"{share:.0%} of {category} to {route}",
                "notes.allocation_part",
                category=category,
                route=route,
                share=share,
            )
            for category, route, share in allocation
        ),
    )


def _allocation_words(allocation: tuple[tuple[str, str, float], ...]) -> str:
    if not allocation:
        return ""
    parts = allocation_text(allocation)
    return Text(" It puts " + parts + "; the rest is held.", "recommend.allocation", parts=parts)


def recommend(
    table: pd.DataFrame,
    cash_target: float,
    currency: str = "CNY",
    discount_rate: float | None = None,
    *,
    max_loss_p95: float = 0.0,
    risks: Mapping[str, Mapping[str, float]] | None = None,
    allocation: tuple[tuple[str, str, float], ...] = (),
) -> Recommendation:
    """Recommend the feasible row with the best ``npv`` that meets the target and limit.

    Parameters
    ----------
    table : pandas.DataFrame
        The comparison (``option``, ``cash_now``, ``npv``, ``feasible``,
        ``loss_retained_p95``; ``npv_std_error`` when there is one).
    cash_target : float
        Cash to raise now; 0 for none.
    currency : str
    discount_rate : float, optional
        The company's rate, named in the sentence.
    max_loss_p95 : float
        Risk limit on the 95% loss kept; 0 for none.
    risks : mapping, optional
        Per option, its named risk figures (see :class:`Recommendation`).
    allocation : tuple, optional
        The mix's (category, route, share) rows.
    """
    risks = risks or {}
    context = {
        "currency": currency,
        "cash_target": float(cash_target),
        "max_loss_p95": float(max_loss_p95),
        "discount_rate": float("nan") if discount_rate is None else float(discount_rate),
    }
    feasible = table[table["feasible"].astype(bool)]
    if feasible.empty:
        return Recommendation(
            "",
            Text("No option is feasible for this inventory.", "recommend.none_feasible"),
            "none_feasible",
            **context,
        )
    meets = feasible[feasible["cash_now"] >= cash_target - 1e-6]
    if max_loss_p95 > 0:
        meets = meets[meets["loss_retained_p95"] <= max_loss_p95 + 1e-6]
    if meets.empty:
        most = feasible.loc[feasible["cash_now"].idxmax()]
        limit = (
            f" within the risk limit of {currency} {max_loss_p95:,.0f}" if max_loss_p95 > 0 else ""
        )
        return Recommendation(
            "",
            Text(
                f"No option raises the target of {currency} {cash_target:,.0f}{limit}; nothing "
                f"is recommended. The most any option raises is {currency} "
                f"{most['cash_now']:,.0f}, by {most['option']}.",
                "recommend.out_of_reach_limit" if max_loss_p95 > 0 else "recommend.out_of_reach",
                currency=currency,
                target=cash_target,
                limit=max_loss_p95,
                max_cash=float(most["cash_now"]),
                max_cash_option=str(most["option"]),
            ),
            "target_out_of_reach",
            max_cash=float(most["cash_now"]),
            max_cash_option=str(most["option"]),
            **context,
        )
    best = meets.loc[meets["npv"].idxmax()]
    rate = "" if discount_rate is None else f" at the company's {discount_rate:.1%} cost of capital"
    target = "" if cash_target <= 0 else f" among those raising {currency} {cash_target:,.0f}"
    if max_loss_p95 > 0:
        target += f"{' and' if target else ' among those'} keeping the 95% loss kept within "
        target += f"{currency} {max_loss_p95:,.0f}"
    words = {"rate": discount_rate if discount_rate is not None else float("nan"), **context}
    hold = meets[meets["option"] == "hold"]
    if cash_target <= 0 and best["option"] != "hold" and not hold.empty:
        lead = float(best["npv"] - hold["npv"].iloc[0])
        noise = NOISE_STANDARD_ERRORS * float(best.get("npv_std_error", 0.0) or 0.0)
        if lead <= noise:
            held = hold.iloc[0]
            return Recommendation(
                "hold",
                Text(
                    f"hold: {best['option']} leads it by only {currency} {lead:,.0f}, within "
                    f"the simulation's noise ({currency} {noise:,.0f}); with no cash to raise, "
                    "borrowing is not worth its risks.",
                    "recommend.hold_within_noise",
                    option="hold",
                    runner_up=str(best["option"]),
                    margin=lead,
                    noise=noise,
                    **words,
                ),
                "hold_within_noise",
                str(best["option"]),
                lead,
                float(held["npv"]),
                float(held["cash_now"]),
                risks=(("loss_p95", float(held["loss_retained_p95"])),),
                noise=noise,
                **context,
            )
    others = meets[meets["option"] != best["option"]]
    kind, runner_up, gap = "only", "", 0.0
    if others.empty:
        limited = cash_target > 0 or max_loss_p95 > 0
        why = "it is the only route that meets them" if limited else "it is the only feasible route"
    else:
        runner = others.loc[others["npv"].idxmax()]
        runner_up, gap = str(runner["option"]), float(best["npv"] - runner["npv"])
        kind = "beats"
        why = f"it beats the next best, {runner_up}, by {currency} {gap:,.0f}"
        if math.isclose(gap, 0.0, abs_tol=0.5):
            kind, why = "ties", f"it ties with {runner_up}"
    option = str(best["option"])
    named = dict(risks.get(option, {}))
    named["loss_p95"] = float(best["loss_retained_p95"])
    mix = allocation if option == "mix" else ()
    limited = cash_target > 0 or max_loss_p95 > 0
    code = {"only": "recommend.only_limited" if limited else "recommend.only"}.get(
        kind, f"recommend.{kind}"
    )
    head = Text(
        f"{option} has the best net present value{rate}{target} "
        f"({currency} {best['npv']:,.0f}): {why}. It raises {currency} "
        f"{best['cash_now']:,.0f} now; its 95% loss kept is {currency} "
        f"{best['loss_retained_p95']:,.0f}.",
        code,
        option=option,
        npv=float(best["npv"]),
        cash=float(best["cash_now"]),
        loss=float(best["loss_retained_p95"]),
        runner_up=runner_up,
        margin=gap,
        target_words=_target_words(cash_target, max_loss_p95, currency),
        rate_words=_rate_words(discount_rate),
        **words,
    )
    return Recommendation(
        option,
        Text.join("", (head, _risk_words(option, named, currency), _allocation_words(mix))),
        kind,
        runner_up,
        gap,
        float(best["npv"]),
        float(best["cash_now"]),
        risks=tuple(named.items()),
        allocation=mix,
        **context,
    )


def _rate_words(discount_rate: float | None) -> str:
    if discount_rate is None:
        return ""
    return Text(
        f" at the company's {discount_rate:.1%} cost of capital",
        "recommend.rate",
        rate=discount_rate,
    )


def _target_words(cash_target: float, max_loss_p95: float, currency: str) -> str:
    """The conditions a recommendation was chosen under, in parts."""
    parts = []
    if cash_target > 0:
        parts.append(Text("", "recommend.raising", currency=currency, amount=cash_target))
    if max_loss_p95 > 0:
        parts.append(Text("", "recommend.within_limit", currency=currency, amount=max_loss_p95))
    if not parts:
        return ""
    return Text("", "recommend.among", conditions=Text.join(" and ", parts))
