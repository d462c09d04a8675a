"""The runs table.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``runs`` and its borrower index."""
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("borrower", sa.String(200), nullable=False),
        sa.Column("valuation_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("package_version", sa.String(64), nullable=False),
        sa.Column("inventory_name", sa.String(260), nullable=False),
        sa.Column("inventory_sha256", sa.String(64), nullable=False),
        sa.Column("assumptions_sha256", sa.String(64), nullable=False),
        sa.Column("inventory", sa.LargeBinary(), nullable=False),
        sa.Column("assumptions_toml", sa.LargeBinary(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("options", sa.LargeBinary(), nullable=False),
        sa.Column("lots", sa.LargeBinary(), nullable=False),
        sa.Column("mix", sa.LargeBinary(), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("eligible_value", sa.Double(), nullable=False),
        sa.Column("borrowing_base", sa.Double(), nullable=False),
        sa.Column("recommended_option", sa.Text(), nullable=False),
        sa.Column("coverage", sa.Double(), nullable=True),
        sa.Column("alerts", sa.JSON(), nullable=False),
    )
    op.create_index("ix_runs_borrower", "runs", ["borrower"])


def downgrade() -> None:
    """Drop ``runs``."""
    op.drop_index("ix_runs_borrower", table_name="runs")
    op.drop_table("runs")
