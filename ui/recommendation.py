"""The recommendation in words, in the session's language, from finance's parts."""

from __future__ import annotations

from finance.decision.comparison import Recommendation
from ui.formatting import money, pct
from ui.i18n import label, t


def sentence(rec: Recommendation, currency: str, cash_target: float, discount_rate: float) -> str:
    """One paragraph: what to do and why, naming the company's rate and the cash target."""
    name = label("option", rec.option) if rec.option else ""
    target = (
        t("recommend.target", target_amount=money(cash_target, currency)) if cash_target > 0 else ""
    )
    values = {
        "option": name,
        "npv": money(rec.npv, currency),
        "cash": money(rec.cash_now, currency),
        "rate": pct(discount_rate, 1),
        "target": target,
        "target_amount": money(cash_target, currency),
        "runner_up": label("option", rec.runner_up) if rec.runner_up else "",
        "margin": money(rec.margin, currency),
    }
    return t(f"recommend.{rec.kind or 'none_feasible'}", **values)
