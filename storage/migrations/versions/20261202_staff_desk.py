"""staff desk

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 13:35:45.793881
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "invite",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column(
            "department_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_invite_created_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_invite_department_id_department")
        ),
        sa.ForeignKeyConstraint(["used_by"], ["staff.id"], name=op.f("fk_invite_used_by_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
        sa.UniqueConstraint("token", name=op.f("uq_invite_token")),
    )
    op.create_table(
        "collaboration",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "department_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "asked_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["asked_by"], ["staff.id"], name=op.f("fk_collaboration_asked_by_staff")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_collaboration_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_collaboration_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collaboration")),
    )
    with op.batch_alter_table("collaboration", schema=None) as batch_op:
        batch_op.create_index(
            "ix_collaboration_department_open", ["department_id", "open"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_collaboration_ticket_id"), ["ticket_id"], unique=False
        )

    op.create_table(
        "ticket_card",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "department_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_ticket_card_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_card_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_card")),
    )
    with op.batch_alter_table("ticket_card", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_card_chat_message", ["chat_id", "message_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_card_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_chat_message", ["chat_id", "message_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_message")

    with op.batch_alter_table("ticket_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_card_ticket_id"))
        batch_op.drop_index("ix_ticket_card_chat_message")

    op.drop_table("ticket_card")
    with op.batch_alter_table("collaboration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collaboration_ticket_id"))
        batch_op.drop_index("ix_collaboration_department_open")

    op.drop_table("collaboration")
    op.drop_table("invite")
