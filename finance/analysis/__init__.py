"""Runs over the valuation: stress tests, sensitivities and the holding loss's drivers.

They call ``evaluate`` or the layers under it, so they sit above it.
"""
