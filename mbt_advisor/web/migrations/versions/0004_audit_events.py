"""The audit trail: who created, changed, exported or deleted which unit, visit or account, and when.

Portable (SQLite and PostgreSQL): plain columns and indexes, no foreign keys (a row outlives what it names).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("actor_id", sa.Integer, nullable=True),
        sa.Column("via", sa.String(40), nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("visit_id", sa.Integer, nullable=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("user_name", sa.String(80), nullable=True),
        sa.Column("detail", sa.String(300), nullable=True),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_action", "audit_events", ["action"])
    op.create_index("ix_audit_events_unit_id", "audit_events", ["unit_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_unit_id", "audit_events")
    op.drop_index("ix_audit_events_action", "audit_events")
    op.drop_index("ix_audit_events_at", "audit_events")
    op.drop_table("audit_events")
