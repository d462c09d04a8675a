"""Inputs at the boundary.

The stock list, the assumptions, the category and channel tables, synthetic inventories
(docs/model.md section 1).
"""
