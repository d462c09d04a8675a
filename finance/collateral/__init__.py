"""Lots and collateral.

Per-lot fields, price factors, values, eligibility, haircuts and the borrowing base
(docs/model.md sections 2 to 5).
"""
