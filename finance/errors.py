"""Errors raised at the boundary when user input is wrong.

Every problem found in a file is collected and raised together, so that a user can fix a
spreadsheet in one pass instead of one cell per run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad cell, key or file.

    Parameters
    ----------
    file : str
        Name of the file the problem is in (as the user gave it).
    message : str
        What is wrong, in words a spreadsheet user understands.
    row : int or None
        Spreadsheet row, 1-based, the header being row 1; None for a file-level problem.
    column : str or None
        Column header as it appears in the file.
    key : str or None
        Dotted key of a TOML document (``pledge_loan.rate``).
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.key is not None:
            where.append(f"key {self.key}")
        return f"{', '.join(where)}: {self.message}"


class InputError(ValueError):
    """Bad input: carries every problem found, each with file, row and column.

    Parameters
    ----------
    problems : iterable of Problem
        All problems found; at least one.
    """

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        if not self.problems:
            raise ValueError("InputError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))

    def to_frame(self) -> pd.DataFrame:
        """Return the problems as a table with columns file, row, column, message."""
        return pd.DataFrame(
            {
                "file": [p.file for p in self.problems],
                "row": pd.array([p.row for p in self.problems], dtype="Int64"),
                "column": [p.column or p.key for p in self.problems],
                "message": [p.message for p in self.problems],
            }
        )
