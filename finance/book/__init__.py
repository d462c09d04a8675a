"""The lender's book: many borrowers valued on one scenario set (docs/model.md, "The book").

A layer above the valuation, the decision and the report: :func:`read_manifest` reads the
book's manifest, :func:`value_book` values every borrower on Dask on shared scenarios and
sums the lender's losses scenario by scenario, :func:`double_pledges` finds the goods
pledged to more than one borrower.
"""

from finance.book.book import BookResult, value_book
from finance.book.double_pledge import double_pledges
from finance.book.manifest import Borrower, Manifest, read_manifest

__all__ = [
    "BookResult",
    "Borrower",
    "Manifest",
    "double_pledges",
    "read_manifest",
    "value_book",
]
