"""One account per name, whatever its case: a unique index on the folded name (``Ada`` and ``ada`` cannot both
exist). Names are ASCII letters, digits and ``. _ @ -`` (accounts.add_user), so ``lower()`` folds them the same
way on SQLite and PostgreSQL.

A database that already holds two names differing only in case is not changed: the migration stops with a
message naming them and the command that renames the later one (``users rename``, which works on the schema
before this migration; docs/web.md, "Accounts"), before anything is written, in the migration's transaction.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mbt_advisor.web.storage.migrate import NamesDifferOnlyInCase

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEX = "ux_users_name_folded"


def upgrade() -> None:
    rows = op.get_bind().execute(sa.text("SELECT name FROM users ORDER BY id")).scalars().all()
    spellings: dict[str, list[str]] = {}
    for name in rows:
        spellings.setdefault(name.lower(), []).append(name)
    clashes = [names for names in spellings.values() if len(names) > 1]
    if clashes:
        raise NamesDifferOnlyInCase(clashes)
    op.create_index(INDEX, "users", [sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, "users")
