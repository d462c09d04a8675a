"""Where the shipped data lives."""

from __future__ import annotations

from pathlib import Path

#: The repository's ``data/`` folder: category, channel and holiday tables, defaults, samples.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
