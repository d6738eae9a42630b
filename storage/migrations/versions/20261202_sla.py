"""sla

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:58:35.903662
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolve_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("resolve_paused_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_paused_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("ack_warned_for", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("ack_breached_for", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ack_escalated_for", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_warned_for", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_breached_for", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolve_escalated_for", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index("ix_ticket_next_check", ["next_check_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_next_check")
        batch_op.drop_column("resolve_escalated_for")
        batch_op.drop_column("resolve_breached_for")
        batch_op.drop_column("resolve_warned_for")
        batch_op.drop_column("ack_escalated_for")
        batch_op.drop_column("ack_breached_for")
        batch_op.drop_column("ack_warned_for")
        batch_op.drop_column("resolve_paused_seconds")
        batch_op.drop_column("resolve_paused_at")
        batch_op.drop_column("next_check_at")
        batch_op.drop_column("resolve_due_at")
        batch_op.drop_column("ack_due_at")
