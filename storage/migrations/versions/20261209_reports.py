"""reports

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UNMEASURED = "first_response_seconds IS NULL AND first_response_at IS NOT NULL"


def upgrade() -> None:

    op.create_table(
        "digest",
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week", name=op.f("pk_digest")),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_response_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolve_seconds", sa.Integer(), nullable=True))
        batch_op.create_index("ix_ticket_created", ["created_at"], unique=False)
        batch_op.create_index(
            "ix_ticket_department_created", ["department_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_ticket_unmeasured_response",
            ["first_response_at"],
            unique=False,
            sqlite_where=sa.text(UNMEASURED),
            postgresql_where=sa.text(UNMEASURED),
        )


def downgrade() -> None:

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_unmeasured_response")
        batch_op.drop_index("ix_ticket_department_created")
        batch_op.drop_index("ix_ticket_created")
        batch_op.drop_column("resolve_seconds")
        batch_op.drop_column("first_response_seconds")
        batch_op.drop_column("ack_seconds")

    op.drop_table("digest")
