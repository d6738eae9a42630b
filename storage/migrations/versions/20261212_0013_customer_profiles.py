"""customer profiles: username, company, tags, grade, source, merges; lookup indexes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("username", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("company", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("grade", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_customer_username", ["username"], unique=False)
        batch_op.create_index("ix_customer_phone", ["phone"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_phone")
        batch_op.drop_index("ix_customer_username")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("source")
        batch_op.drop_column("grade")
        batch_op.drop_column("tags")
        batch_op.drop_column("company")
        batch_op.drop_column("username")
