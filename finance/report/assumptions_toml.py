"""The assumptions as a TOML document: what the app saves and loads back.

The document names every key, the whole category table included, so a saved file is
self-contained: loaded on another machine (or after the shipped defaults change) it gives
the same :class:`~finance.inputs.assumptions.Assumptions`. The clearance channels' terms
are the exception: it carries the rows the user changed (``[[liquidate.terms]]``), the
rest being ``data/channels.csv``'s, which is data rather than assumptions.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import tomli_w

from finance.inputs.assumptions import Assumptions
from finance.inputs.categories import CATEGORY_FIELDS

HEADER = (
    "# Assumptions of the inventory financing evaluator (every key; see data/assumptions.toml\n"
    "# for what each one means). Rates are decimals; money is in `currency`.\n"
)


def assumptions_document(assumptions: Assumptions) -> dict[str, Any]:
    """Return the assumptions as a TOML-ready dict (the form ``parse_assumptions`` reads).

    Parameters
    ----------
    assumptions : Assumptions

    Returns
    -------
    dict
        Top-level keys, then ``curve``, each route's table (``liquidate.terms``: the
        channel rows changed, as a list of tables, empty when none are), ``category_names``
        (the company's own category names) and ``categories``.
    """
    a = assumptions
    top = {
        f.name: getattr(a, f.name)
        for f in fields(a)
        if f.name
        not in (
            "curve",
            "categories",
            "category_names",
            "pledge_loan",
            "receipt_trust",
            "abs",
            "liquidate",
            "trade",
        )
    }
    categories = {
        name: {
            key: list(getattr(cat, key))
            if key in ("season_ends", "aging_reserve")
            else getattr(cat, key)
            for key in CATEGORY_FIELDS
        }
        for name, cat in a.categories.items()
    }
    return {
        **top,
        "curve": dict(a.curve),
        "pledge_loan": asdict(a.pledge_loan),
        "receipt_trust": asdict(a.receipt_trust),
        "trade": asdict(a.trade),
        "abs": asdict(a.abs),
        "liquidate": {
            "channels": list(a.liquidate.channels),
            "terms": [term.as_table() for term in a.liquidate.terms],
        },
        "category_names": dict(a.category_names),
        "categories": categories,
    }


def assumptions_toml(assumptions: Assumptions) -> bytes:
    """Return the assumptions as UTF-8 TOML text that ``load_assumptions`` reads back."""
    return (HEADER + tomli_w.dumps(assumptions_document(assumptions))).encode("utf-8")
