"""Runs over time: the run history (:mod:`finance.history.store`) and what is built on it."""
