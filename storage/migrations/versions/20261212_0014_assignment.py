"""auto-assignment: a department's mode and cursor, agents away or with hours, the
assignee's acknowledgement due time

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assignment", sa.String(20), nullable=False, server_default="off")
        )
        batch_op.add_column(
            sa.Column("ack_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("assignment_config", sa.String(40), nullable=True))
        batch_op.add_column(sa.Column("assign_cursor", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch_op.add_column(sa.Column("hours", sa.String(11), nullable=True))
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assign_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("assign_told", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch_op.create_index("ix_ticket_assign_due_at", ["assign_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_assign_due_at")
        batch_op.drop_column("assign_told")
        batch_op.drop_column("assign_due_at")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("hours")
        batch_op.drop_column("away")
    with op.batch_alter_table("department", schema=None) as batch_op:
        batch_op.drop_column("assign_cursor")
        batch_op.drop_column("assignment_config")
        batch_op.drop_column("ack_minutes")
        batch_op.drop_column("assignment")
