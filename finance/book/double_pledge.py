"""Double pledges: the same goods in two borrowers' pledged lists.

A lot's identity is its warehouse and its batch (the warehouse receipt or batch number):
``(warehouse, batch)``. A lot with no batch is identified by ``(warehouse, sku)`` instead.
A lot with no warehouse has no identity a second borrower could repeat and is left out.
The same identity in two or more borrowers' lists is a double pledge, with the borrowers
named; a row repeated within one borrower's file is a duplicate, which the inventory
loader already rejects (``problem.duplicate_lot``), never a double pledge.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: The columns of ``double_pledges.csv``.
COLUMNS: tuple[str, ...] = ("warehouse", "batch", "sku", "borrowers")


def _texts(lots: pd.DataFrame, column: str) -> pd.Series:
    if column not in lots:
        return pd.Series([""] * len(lots), index=lots.index, dtype=object)
    return lots[column].fillna("").astype(str).str.strip()


def double_pledges(inventories: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The lot identities that two or more borrowers pledge.

    Parameters
    ----------
    inventories : mapping of str to pandas.DataFrame
        Each borrower's validated lots (``load_inventory``), by borrower name.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``batch`` empty for an identity by SKU; ``sku`` the SKUs
        the borrowers list under the identity (``; ``-joined); ``borrowers`` the borrowers,
        in the manifest's order, ``; ``-joined. Sorted by warehouse, batch, SKU.
    """
    parts = []
    for order, (name, lots) in enumerate(inventories.items()):
        frame = pd.DataFrame(
            {
                "warehouse": _texts(lots, "warehouse"),
                "batch": _texts(lots, "batch"),
                "sku": _texts(lots, "sku"),
            }
        )
        frame = frame[frame["warehouse"] != ""]
        frame["key_sku"] = frame["sku"].where(frame["batch"] == "", "")
        frame["borrower"] = name
        frame["order"] = order
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    rows = pd.concat(parts, ignore_index=True)
    keys = ["warehouse", "batch", "key_sku"]
    # Only the identities two borrowers or more list go on to the loop below: a book of a
    # million lots has a million identities, and a Python loop over each takes a minute.
    owners = rows.groupby(keys, sort=False)["order"].transform("nunique")
    rows = rows[owners.to_numpy() >= 2].sort_values("order", kind="stable")
    found = []
    for (warehouse, batch, key_sku), group in rows.groupby(keys, sort=True):
        borrowers = list(dict.fromkeys(group["borrower"]))
        if len(borrowers) < 2:
            continue
        skus = key_sku or "; ".join(dict.fromkeys(group["sku"]))
        found.append((warehouse, batch, skus, "; ".join(borrowers)))
    return pd.DataFrame(found, columns=list(COLUMNS))
