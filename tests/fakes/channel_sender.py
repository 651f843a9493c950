"""A channel sender for the channel registry that keeps what it was asked to send, for tests of proactive messages
and manager replies; `refuse` makes its sends fail as a user who blocked the bot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bots.console.translate import render
from bots.registry import RecipientUnreachable
from core.messaging import ChannelCapabilities, Outbound

CAPABILITIES = ChannelCapabilities(max_buttons=3, max_button_title=20, supports_lists=False, max_list_rows=0,
                                   supports_images=False, supports_documents=False, max_text_length=4096)


@dataclass
class RecordingSender:
    """Keeps (external id, the messages as plain text) per send, in order."""

    name: str = "test"
    capabilities: ChannelCapabilities = CAPABILITIES
    sent: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False

    async def send(self, external_id: str, messages: Sequence[Outbound]) -> None:
        if self.refuse:
            raise RecipientUnreachable(f"user {external_id} blocked the bot")
        self.sent.append((external_id, render(messages).text))
