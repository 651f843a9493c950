"""What a flow may use: the core runtime and who the conversation is with. Built per turn by the gateway."""

from __future__ import annotations

from dataclasses import dataclass

from core.bootstrap import Core
from core.config import Settings
from core.ports import Clock
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Services:
    """The services object flows receive as `ctx.services`.

    Flows open one unit of work per user action (`async with ctx.services.uow() as uow: ...; await
    uow.commit()`), so a refused action leaves nothing written, whatever the engine answers.
    """

    core: Core
    channel: str
    identity_id: int
    conversation_id: int

    def uow(self) -> UnitOfWork:
        return self.core.uow()

    @property
    def settings(self) -> Settings:
        return self.core.settings

    @property
    def clock(self) -> Clock:
        return self.core.clock
