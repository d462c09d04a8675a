"""The reviews and roles tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIONS = ("submitted", "reviewed", "approved", "rejected")
ROLES = ("borrower", "analyst", "approver")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    """Create ``reviews`` (append-only, at most one approval per run) and ``roles``."""
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.CheckConstraint(_one_of("action", ACTIONS), name="ck_reviews_action"),
        sa.CheckConstraint(f"role IS NULL OR {_one_of('role', ROLES)}", name="ck_reviews_role"),
    )
    op.create_index("ix_reviews_run_id", "reviews", ["run_id"])
    # A run is approved once at most, whatever two approvers do at the same moment.
    op.create_index(
        "ux_reviews_one_approval",
        "reviews",
        ["run_id"],
        unique=True,
        sqlite_where=sa.text("action = 'approved'"),
        postgresql_where=sa.text("action = 'approved'"),
    )
    op.create_table(
        "roles",
        sa.Column("user_name", sa.String(200), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.CheckConstraint(_one_of("role", ROLES), name="ck_roles_role"),
    )


def downgrade() -> None:
    """Drop ``roles`` and ``reviews``."""
    op.drop_table("roles")
    op.drop_index("ux_reviews_one_approval", table_name="reviews")
    op.drop_index("ix_reviews_run_id", table_name="reviews")
    op.drop_table("reviews")
