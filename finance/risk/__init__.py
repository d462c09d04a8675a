"""Scenarios and holding.

The holding schedule and its loss, pools of lots on the scenarios, value-decay and haircut
profiles (docs/model.md section 6).
"""
