"""The portfolio's line of each unit (web/signals.py): derived from the unit's visits when they are written, so
that the portfolio is read a page at a time. Filled for every existing unit at the next start.

Portable (SQLite and PostgreSQL): plain columns, one foreign key that goes with its unit.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_signals",
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("visit_count", sa.Integer, nullable=False),
        sa.Column("latest_visit_id", sa.Integer, nullable=True),
        sa.Column("latest_on", sa.Date, nullable=True),
        sa.Column("risk", sa.String(20), nullable=False),
        sa.Column("risk_index", sa.Float, nullable=True),
        sa.Column("index_change", sa.Float, nullable=True),
        sa.Column("risk_change", sa.Integer, nullable=False),
        sa.Column("warnings_json", sa.Text, nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("readiness", sa.String(200), nullable=True),
        sa.Column("visits_json", sa.Text, nullable=False),
    )
    op.create_index("ix_unit_signals_order", "unit_signals", ["rank", "name_key", "unit_id"])


def downgrade() -> None:
    op.drop_index("ix_unit_signals_order", "unit_signals")
    op.drop_table("unit_signals")
