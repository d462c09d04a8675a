"""The lender's view over time (docs/model.md section 10): roll-forward and alerts.

Pure functions on runs' results: no database, no files. ``rollforward`` reconciles two
runs' lots tables; ``alerts`` compares a run with the borrower's previous one.
"""

from finance.history.rollforward import rollforward

__all__ = ["rollforward"]
