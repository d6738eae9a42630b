"""outbox lanes: urgency within a chat, the card a row shows, what a card shows now

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgency", sa.SmallInteger(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("card_id", sa.BigInteger(), nullable=True))
        batch_op.create_index("ix_outbox_card", ["card_id", "status"], unique=False)
    with op.batch_alter_table("ticket_card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shown", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_card", schema=None) as batch_op:
        batch_op.drop_column("shown")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_card")
        batch_op.drop_column("card_id")
        batch_op.drop_column("urgency")
