"""Telegram user ids of staff as BIGINT (they pass 2**31); the outbox's due events found by one index

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.alter_column("telegram_user_id", existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=True)
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_status")
        batch_op.create_index("ix_outbox_events_due", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_due")
        batch_op.create_index("ix_outbox_events_status", ["status"], unique=False)
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.alter_column("telegram_user_id", existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=True)
