"""A message's insert keeps its conversation's last_message_at, by trigger: one statement a log write fewer

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TOUCH = ("UPDATE conversations SET last_message_at = NEW.created_at, updated_at = NEW.created_at "
          "WHERE id = NEW.conversation_id;")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION messages_touch_conversation() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {_TOUCH} RETURN NULL; END $$")
        op.execute("CREATE TRIGGER messages_touch_conversation AFTER INSERT ON messages "
                   "FOR EACH ROW EXECUTE FUNCTION messages_touch_conversation()")
    else:
        op.execute(f"CREATE TRIGGER messages_touch_conversation AFTER INSERT ON messages FOR EACH ROW BEGIN {_TOUCH} END")


def downgrade() -> None:
    op.execute("DROP TRIGGER messages_touch_conversation" + (
        " ON messages" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION messages_touch_conversation()")
