"""customer audit: every export and erasure of a customer's data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_audit",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("command", sa.String(length=60), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_customer_audit_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_audit")),
    )
    with op.batch_alter_table("customer_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_audit_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_audit_customer_id"))
    op.drop_table("customer_audit")
