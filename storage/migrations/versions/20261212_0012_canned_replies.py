"""canned replies per department and language, and each use of one

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-12 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "canned_reply",
        sa.Column("id", _ID, nullable=False),
        sa.Column("department_id", _ID, nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("uses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_by", _ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_canned_reply_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["staff.id"], name=op.f("fk_canned_reply_created_by_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_reply")),
    )
    op.create_index("ix_canned_reply_pick", "canned_reply", ["department_id", "locale", "active"])
    op.create_table(
        "canned_use",
        sa.Column("id", _ID, nullable=False),
        sa.Column("canned_id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("staff_id", _ID, nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["canned_id"], ["canned_reply.id"], name=op.f("fk_canned_use_canned_id_canned_reply")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_canned_use_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_canned_use_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_use")),
    )
    op.create_index(op.f("ix_canned_use_used_at"), "canned_use", ["used_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_canned_use_used_at"), table_name="canned_use")
    op.drop_table("canned_use")
    op.drop_index("ix_canned_reply_pick", table_name="canned_reply")
    op.drop_table("canned_reply")
