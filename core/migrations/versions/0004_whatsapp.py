"""WhatsApp: business-scoped user ids on identities, delivery statuses found by message id, held notifications

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_notifications",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"],
                                name=op.f("fk_held_notifications_contact_id_contacts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["identity_id"], ["channel_identities.id"],
                                name=op.f("fk_held_notifications_identity_id_channel_identities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_notifications")),
    )
    with op.batch_alter_table("held_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_held_notifications_identity_id"), ["identity_id"], unique=False)
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scoped_user_id", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_channel_identities_scoped_user_id"), ["scoped_user_id"], unique=False)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_channel_message_id"), ["channel_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_channel_message_id"))
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_identities_scoped_user_id"))
        batch_op.drop_column("scoped_user_id")
    with op.batch_alter_table("held_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_held_notifications_identity_id"))
    op.drop_table("held_notifications")
