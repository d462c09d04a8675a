"""Errors raised at the boundary when user input is wrong.

Every problem found in a file is collected and raised together, so that a user can fix a
spreadsheet in one pass instead of one cell per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from finance.locale import DEFAULT, Text, render, t


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
    code : str
        What kind of problem it is, a key of the catalogs in ``finance/locale``
        (``problem.not_number``); "" for one that has no translation. Taken from
        ``message`` when that is a :class:`finance.locale.Text`.
    params : mapping
        The values the message names (the offending value, a limit...), for rendering it in
        another language with :meth:`render`.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    key: str | None = None
    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.code and isinstance(self.message, Text) and self.message.code:
            object.__setattr__(self, "code", self.message.code)
            object.__setattr__(self, "params", dict(self.message.params))

    def render_message(self, lang: str = DEFAULT, *, percent: bool = False) -> str:
        """What is wrong, in ``lang`` (``en`` or ``zh``), without where.

        Parameters
        ----------
        lang : str
            ``en`` or ``zh``.
        percent : bool
            Name a fraction key's value and bounds in percent (0.4 -> 40%), for a value the
            user typed as a percentage (the app's "%" fields).
        """
        if percent and self.code and "value_pct" in self.params:
            pct = Text(str(self.message), f"{self.code}_pct", **self.params)
            shown = render(pct, lang, force=True)
            if shown != str(self.message):
                return shown
        if lang == DEFAULT:
            return str(self.message)
        if isinstance(self.message, Text):
            return render(self.message, lang)
        if self.code:
            return render(Text(str(self.message), self.code, **self.params), lang)
        return str(self.message)

    def render(self, lang: str = DEFAULT, *, percent: bool = False) -> str:
        """The whole line in ``lang``: where, then what is wrong.

        Where is the file, the spreadsheet row, the column as the file's own header has it
        or the key. English is ``str(problem)``.
        """
        if lang == DEFAULT and not percent:
            return str(self)
        where = [self.file]
        if self.row is not None:
            where.append(t("where.row", lang, row=self.row))
        if self.column is not None:
            where.append(t("where.column", lang, column=self.column))
        if self.key is not None:
            where.append(t("where.key", lang, key=self.key))
        message = self.render_message(lang, percent=percent)
        return t("where.join", lang).join(where) + t("where.then", lang) + message

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

    def to_frame(self, lang: str = DEFAULT, *, percent: bool = False) -> pd.DataFrame:
        """Return the problems as a table with columns file, row, column, message.

        Parameters
        ----------
        lang : str
            Language of the messages (``en`` or ``zh``); the column names stay the same.
        percent : bool
            Fraction keys' values in percent (see :meth:`Problem.render_message`).
        """
        return pd.DataFrame(
            {
                "file": [p.file for p in self.problems],
                "row": pd.array([p.row for p in self.problems], dtype="Int64"),
                "column": [p.column or p.key for p in self.problems],
                "message": [p.render_message(lang, percent=percent) for p in self.problems],
            }
        )

    def render(self, lang: str = DEFAULT, *, percent: bool = False) -> list[str]:
        """Every problem as one line in ``lang``."""
        return [p.render(lang, percent=percent) for p in self.problems]
