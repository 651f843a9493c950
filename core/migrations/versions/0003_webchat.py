"""web chat transcript and files

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webchat_messages",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("client_message_id", sa.String(length=100), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["channel_identities.id"],
                                name=op.f("fk_webchat_messages_identity_id_channel_identities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webchat_messages")),
        sa.UniqueConstraint("identity_id", "seq", name=op.f("uq_webchat_messages_identity_id_seq")),
        sa.UniqueConstraint("identity_id", "client_message_id",
                            name=op.f("uq_webchat_messages_identity_id_client_message_id")),
    )
    op.create_table(
        "webchat_files",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["channel_identities.id"],
                                name=op.f("fk_webchat_files_identity_id_channel_identities"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webchat_files")),
        sa.UniqueConstraint("token", name=op.f("uq_webchat_files_token")),
    )
    with op.batch_alter_table("webchat_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webchat_files_identity_id"), ["identity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webchat_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webchat_files_identity_id"))
    op.drop_table("webchat_files")
    op.drop_table("webchat_messages")
