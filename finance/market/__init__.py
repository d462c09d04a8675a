"""Market data and calendars.

The China calendar, the zero curve, the shared price scenarios, cash-flow yields and closed
forms (docs/model.md, Conventions and section 2).
"""
