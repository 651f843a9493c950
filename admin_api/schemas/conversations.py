"""The manager's side of a conversation: take it, reply to the client, hand it back to the bot."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from admin_api.schemas.resources import ConversationOut
from core.errors import InvalidInput
from core.services.handover import MAX_REPLY, check_reply

_STAFF_ID = ("The staff member who acts. A staff session acts as itself; an API key names one (unnamed: the "
             "conversation's assignee).")


class _Acting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description=_STAFF_ID)


class TakeIn(_Acting):
    force: bool = Field(default=False, description="Take it even from another staff member who has it")


class HandBackIn(_Acting):
    force: bool = Field(default=False, description="Hand it back even when another staff member has it")


class ManagerMessageIn(_Acting):
    text: str = Field(min_length=1, max_length=MAX_REPLY,
                      description="What the client reads, after the manager's name; line breaks allowed")

    @field_validator("text")
    @classmethod
    def _check_text(cls, text: str) -> str:
        try:
            return check_reply(text)
        except InvalidInput as error:
            raise ValueError(error.message) from None


class TakeOut(BaseModel):
    conversation: ConversationOut
    changed: bool = Field(description="False: the caller had it already")


class SentOut(BaseModel):
    kind: str
    text: str | None


class ReplyOut(BaseModel):
    conversation: ConversationOut
    taken: bool = Field(description="The reply took the conversation (it was not the caller's yet)")
    sent: list[SentOut] = Field(description="What the client received, as logged (a long text may be split)")


class HandBackOut(BaseModel):
    conversation: ConversationOut
    changed: bool = Field(description="False: there was nothing to hand back")
    client_told: bool = Field(description="The client was told they are back with the bot")
