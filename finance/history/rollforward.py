"""Roll-forward of eligible value and borrowing base between two runs (docs/model.md 10).

The lines read as a borrowing-base certificate review reads them: the opening figures,
the movements, the closing figures. Every movement line is an explicit formula on the two
runs' lots tables (``lots.csv`` columns), and the lines add up from the opening to the
closing exactly (to rounding error; nothing is computed as a difference of totals).

Notation, per lot, at the opening (0) and closing (1) run:

- ``q`` quantity, ``MV`` market value, ``e`` eligible (1/0), ``L`` lendable value,
  ``X`` concentration excess, ``G = L + X`` the lendable value before the concentration
  cap (0 for an ineligible lot, as ``L`` and ``X`` are);
- ``p = MV / q`` the unit price the market value carries (``unit_price`` when ``q = 0``),
  so that ``q p = MV``;
- ``a = G / MV`` the lot's effective advance rate before the cap, the lesser-of rule
  included (0 when ``MV = 0``), so that ``MV a = G``.

Eligible value ``EV = Σ e MV``; borrowing base ``BB = Σ L = Σ G − Σ X``.

Lots are matched by (``sku``, ``batch``, ``warehouse``). A key that appears exactly once in
a run is a lot; a key that appears more than once in either run cannot be matched, and
every row of it, in both runs, goes to the ``unmatched`` line.

Lines, in order (``EV`` column; ``BB`` column):

``opening``
    ``Σ e0 MV0``; ``Σ L0`` (the opening run's totals).
``received`` (keys in the closing run only)
    ``Σ e1 MV1``; ``Σ G1``.
``sold_or_removed`` (keys in the opening run only)
    ``−Σ e0 MV0``; ``−Σ G0``.
``quantity_change`` (matched lots eligible at either date)
    ``Σ (q1 − q0) p0``; ``Σ (q1 − q0) p0 a*``.
``price_change`` (same lots)
    ``Σ q1 (p1 − p0)``; ``Σ q1 (p1 − p0) a*``.
``haircut_change`` (matched lots eligible at both dates)
    ``0``; ``Σ q1 p1 (a1 − a0)``.
``turned_ineligible:<reason>`` (matched lots eligible at the opening, ineligible at the
closing for ``<reason>``; one line per reason, in the order of docs/model.md section 4)
    ``−Σ MV1``; ``−Σ MV1 a0``.
``turned_eligible`` (matched lots ineligible at the opening, eligible at the closing)
    ``Σ MV0``; ``Σ MV0 a1``.
``concentration`` (all rows of both runs)
    ``0``; ``−(Σ X1 − Σ X0)``.
``unmatched`` (every row of a key repeated in either run)
    ``Σ e1 MV1 − Σ e0 MV0``; ``Σ G1 − Σ G0``.
``closing``
    ``Σ e1 MV1``; ``Σ L1`` (the closing run's totals).

``a*`` is the rate in force while the lot is eligible: ``a0`` for a lot eligible at the
opening (so a lot eligible at both dates moves at the opening rate, and its rate change is
``haircut_change``, valued on the closing stock), ``a1`` for a lot that turned eligible.
A lot that turns ineligible thus moves in quantity and price while still eligible and
leaves at its closing value; one that turns eligible enters at its opening value and then
moves. For a matched lot eligible at both dates the lines add to
``(q1 − q0) p0 + q1 (p1 − p0) = MV1 − MV0`` and
``(q1 − q0) p0 a0 + q1 (p1 − p0) a0 + q1 p1 (a1 − a0) = G1 − G0``; for one that turned
ineligible to ``−MV0`` and ``−G0``; for one that turned eligible to ``MV1`` and ``G1``; a
lot ineligible at both dates counts in neither column. The concentration line turns
``Σ G`` into ``Σ L``. So every column sums from ``opening`` to ``closing``.

The ``lots`` column counts the lots a line covers: all rows of the line's set for
``opening``, ``received``, ``sold_or_removed``, the ``turned_*`` lines, ``unmatched`` and
``closing`` (received or sold ineligible lots included, though they add nothing); for
``quantity_change``, ``price_change`` and ``haircut_change`` the matched lots whose term
moves either column by half a cent or more; for ``concentration`` the lot identities whose
excess (summed over its rows) changed by half a cent or more. Money is not rounded here:
round to cents when presenting.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from finance.collateral.eligibility import REASONS

#: The key lots are matched by.
KEY: tuple[str, ...] = ("sku", "batch", "warehouse")
#: The columns of the roll-forward table (``rollforward.csv``).
COLUMNS: tuple[str, ...] = ("line", "eligible_value", "borrowing_base", "lots")
#: A line term this large (in currency) or larger counts its lot in ``lots``.
_COUNTS = 0.005


def lot_keys(lots: pd.DataFrame) -> pd.Series:
    """Each row's lot identity (``sku``, ``batch``, ``warehouse``) as one string.

    A missing column or cell is the empty string, as ``lots.csv`` writes it.
    """
    parts = []
    for column in KEY:
        if column in lots.columns:
            values = lots[column].astype(object).where(lots[column].notna(), "")
            parts.append(values.map(str).to_numpy(dtype=object))
        else:
            parts.append(np.full(len(lots), "", dtype=object))
    # "\x1f" (unit separator) cannot be mistaken for a part of a code.
    return pd.Series(
        ["\x1f".join(p) for p in zip(*parts, strict=True)] if len(lots) else [],
        index=lots.index,
        dtype=object,
    )


def _frame(lots: pd.DataFrame) -> pd.DataFrame:
    """The figures the lines need, per row, with the row's key."""
    q = lots["quantity"].to_numpy(dtype=np.float64)
    mv = lots["market_value"].to_numpy(dtype=np.float64)
    eligible = lots["eligible"].to_numpy(dtype=bool)
    lendable = np.where(eligible, lots["lendable_value"].to_numpy(dtype=np.float64), 0.0)
    excess = np.where(eligible, lots["concentration_excess"].to_numpy(dtype=np.float64), 0.0)
    gross = lendable + excess
    unit_price = lots["unit_price"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        price = np.where(q != 0, mv / q, unit_price)
        rate = np.where(mv != 0, gross / mv, 0.0)
    reason = (
        lots["ineligible_reason"].astype(object).where(lots["ineligible_reason"].notna(), "")
        if "ineligible_reason" in lots.columns
        else pd.Series("", index=lots.index, dtype=object)
    )
    return pd.DataFrame(
        {
            "key": lot_keys(lots).to_numpy(dtype=object),
            "q": q,
            "p": price,
            "mv": mv,
            "e": eligible,
            "ev": np.where(eligible, mv, 0.0),
            "lendable": lendable,
            "excess": excess,
            "gross": gross,
            "a": rate,
            "reason": reason.map(str).to_numpy(dtype=object),
        }
    )


def _sum(values: pd.Series | np.ndarray) -> float:
    return math.fsum(np.asarray(values, dtype=np.float64).tolist())


def _line(name: str, ev: object, bb: object, lots: int) -> dict[str, object]:
    return {
        "line": name,
        "eligible_value": _sum(ev) if not isinstance(ev, float) else ev,
        "borrowing_base": _sum(bb) if not isinstance(bb, float) else bb,
        "lots": int(lots),
    }


def _moved(*terms: np.ndarray) -> int:
    """How many lots have a term of at least half a cent in either column."""
    if not terms or len(terms[0]) == 0:
        return 0
    return int((np.max(np.abs(np.vstack(terms)), axis=0) >= _COUNTS).sum())


def rollforward(opening: pd.DataFrame, closing: pd.DataFrame) -> pd.DataFrame:
    """The roll-forward from one run's lots to another's (module docstring for the lines).

    Parameters
    ----------
    opening, closing : pandas.DataFrame
        The two runs' lots tables (``lots.csv`` columns; at least ``sku, quantity,
        unit_price, market_value, eligible, ineligible_reason, lendable_value,
        concentration_excess``, with ``batch`` and ``warehouse`` when the inventory has
        them), the opening run first.

    Returns
    -------
    pandas.DataFrame
        Columns ``line, eligible_value, borrowing_base, lots``: ``opening``, the
        movements, ``closing``. The fixed lines are always there (zero when nothing
        moved); a ``turned_ineligible:<reason>`` line only for a reason some lot turned
        ineligible for. The movements sum from ``opening`` to ``closing``; money is
        unrounded.
    """
    o = _frame(opening)
    c = _frame(closing)
    o_count = o["key"].value_counts()
    c_count = c["key"].value_counts()
    repeated = set(o_count.index[o_count > 1]) | set(c_count.index[c_count > 1])
    o_dup = o["key"].isin(repeated).to_numpy()
    c_dup = c["key"].isin(repeated).to_numpy()
    o_one = o[~o_dup].set_index("key")
    c_one = c[~c_dup].set_index("key")
    both = o_one.index.intersection(c_one.index, sort=False)
    received = c_one.loc[c_one.index.difference(both, sort=False)]
    sold = o_one.loc[o_one.index.difference(both, sort=False)]
    m0 = o_one.loc[both]
    m1 = c_one.loc[both]

    e0 = m0["e"].to_numpy()
    e1 = m1["e"].to_numpy()
    q0, q1 = m0["q"].to_numpy(), m1["q"].to_numpy()
    p0, p1 = m0["p"].to_numpy(), m1["p"].to_numpy()
    a0, a1 = m0["a"].to_numpy(), m1["a"].to_numpy()
    mv0, mv1 = m0["mv"].to_numpy(), m1["mv"].to_numpy()
    moving = e0 | e1
    rate = np.where(e0, a0, a1)  # a*: the rate in force while the lot is eligible
    qty_ev = np.where(moving, (q1 - q0) * p0, 0.0)
    qty_bb = qty_ev * rate
    price_ev = np.where(moving, q1 * (p1 - p0), 0.0)
    price_bb = price_ev * rate
    stays = e0 & e1
    haircut_bb = np.where(stays, q1 * p1 * (a1 - a0), 0.0)
    out = e0 & ~e1
    into = ~e0 & e1

    lines = [
        _line("opening", o["ev"], o["lendable"], len(o)),
        _line("received", received["ev"], received["gross"], len(received)),
        _line("sold_or_removed", -sold["ev"], -sold["gross"], len(sold)),
        _line("quantity_change", qty_ev, qty_bb, _moved(qty_ev, qty_bb)),
        _line("price_change", price_ev, price_bb, _moved(price_ev, price_bb)),
        _line("haircut_change", 0.0, haircut_bb, _moved(haircut_bb)),
    ]
    reasons = m1["reason"].to_numpy()
    known = [r for r in REASONS if r in set(reasons[out])]
    others = sorted(set(reasons[out]) - set(known))  # a reason this version does not know
    for reason in (*known, *others):
        which = out & (reasons == reason)
        name = f"turned_ineligible:{reason}" if reason else "turned_ineligible"
        lines.append(_line(name, -mv1[which], -(mv1 * a0)[which], int(which.sum())))
    lines.append(_line("turned_eligible", mv0[into], (mv0 * a1)[into], int(into.sum())))
    excess = c.groupby("key")["excess"].sum().sub(o.groupby("key")["excess"].sum(), fill_value=0)
    lines.append(
        _line(
            "concentration",
            0.0,
            np.concatenate([-c["excess"].to_numpy(), o["excess"].to_numpy()]),
            int((excess.abs() >= _COUNTS).sum()),
        )
    )
    lines.append(
        _line(
            "unmatched",
            np.concatenate([c["ev"].to_numpy()[c_dup], -o["ev"].to_numpy()[o_dup]]),
            np.concatenate([c["gross"].to_numpy()[c_dup], -o["gross"].to_numpy()[o_dup]]),
            int(o_dup.sum() + c_dup.sum()),
        )
    )
    lines.append(_line("closing", c["ev"], c["lendable"], len(c)))
    return pd.DataFrame(lines, columns=list(COLUMNS))


def movements(table: pd.DataFrame) -> pd.DataFrame:
    """The movement lines of a roll-forward: every line but ``opening`` and ``closing``."""
    return table[~table["line"].isin(("opening", "closing"))]


def for_presentation(table: pd.DataFrame) -> pd.DataFrame:
    """The roll-forward with money in cents that still reconciles, for the CSV and print.

    The opening and closing are rounded to cents; each movement is rounded to cents and the
    cents the rounding loses or gains (a few at most) go to the movement whose rounding moved
    it most, so the printed lines add up from opening to closing to the cent.
    """
    shown = table.copy()
    for column in ("eligible_value", "borrowing_base"):
        cents = np.round(shown[column].to_numpy(dtype=np.float64) * 100.0)
        moving = np.arange(1, len(shown) - 1)
        if len(moving):
            residual = cents[-1] - cents[0] - cents[moving].sum()
            error = np.abs(shown[column].to_numpy()[moving] * 100.0 - cents[moving])
            cents[moving[int(np.argmax(error))]] += residual
        shown[column] = cents / 100.0 + 0.0  # + 0.0: no "-0.0" in a file
    return shown
