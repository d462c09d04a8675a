"""Runs over the whole valuation: stress tests and sensitivities.

They call ``evaluate``, so they sit above it.
"""
