"""Inventory-backed financing evaluator: the valuation core.

Values overstocked inventory lot by lot as collateral (market, net realizable, orderly
and forced liquidation value), applies the lender's haircuts and eligibility rules to get
the borrowing base, estimates the loss from holding the stock, and compares the routes
to cash. No Streamlit here: the app sits on top.

>>> from finance import load_inventory, load_assumptions, evaluate
>>> result = evaluate(load_inventory("data/sample_inventory.csv"), load_assumptions())
"""

from finance.errors import InputError, Problem
from finance.evaluate import ValuationResult, evaluate
from finance.inputs.assumptions import Assumptions, load_assumptions, parse_assumptions
from finance.inputs.inventory import load_inventory

__all__ = [
    "Assumptions",
    "InputError",
    "Problem",
    "ValuationResult",
    "evaluate",
    "load_assumptions",
    "load_inventory",
    "parse_assumptions",
]
