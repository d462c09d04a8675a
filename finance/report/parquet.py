"""Parquet exports: the CSV tables as typed columns, for programs and for inventories of any size.

``--format parquet`` writes the tables of :func:`finance.report.tables.export_tables`
(``lots.parquet``, ``options.parquet``, ``mix.parquet``, ``borrowing_base.parquet`` and,
with ``--stress``, ``stress.parquet`` and ``sensitivity.parquet``): the same columns, headers
and rounding as the CSV files (money to the cent, other figures to six decimals), numbers
as numbers, booleans as booleans (in Chinese, the 是/否 the CSV has), missing values as
nulls.

Text is written as it is, without the CSV's leading quote before ``=``, ``+``, ``-``,
``@``...: a Parquet cell is typed, and what reads it (pandas, DuckDB, Spark, a BI tool)
takes a string column as text, never as a formula. So ``=1+1`` in a description reads back
as ``=1+1``, where the CSV holds ``'=1+1``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def parquet_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table (the index left out, pandas' dtypes kept as metadata)."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` to ``path`` as Parquet (Snappy-compressed, readable everywhere).

    Write into a staging folder (:mod:`finance.report.output`): a failure may leave a
    partial file at ``path``.
    """
    pq.write_table(parquet_table(frame), str(path))
    return path
