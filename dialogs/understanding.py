"""The seam between the engine and NLU: a parse result and the `Understand` callable that produces one.

The engine depends on this protocol only, so any backend (the embedded classifier, a Rasa server, a test
fake) plugs in. `Parse.from_rasa` reads the JSON shape of Rasa's `/model/parse`, which b2bot's nlu package
also answers with (`ParseResult.to_dict()`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: Any
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Parse:
    intent: str
    confidence: float
    entities: tuple[Entity, ...] = ()

    def entity(self, name: str) -> Any | None:
        """The value of the first entity called `name`, or None."""
        return next((e.value for e in self.entities if e.entity == name), None)

    @classmethod
    def from_rasa(cls, data: Mapping[str, Any]) -> Parse:
        """From a Rasa `/model/parse` response; a missing intent reads as `nlu_fallback` with no confidence."""
        intent = data.get("intent") or {}
        return cls(
            intent=str(intent.get("name") or "nlu_fallback"),
            confidence=float(intent.get("confidence") or 0.0),
            entities=tuple(
                Entity(entity=str(e["entity"]), value=e.get("value"), start=int(e["start"]), end=int(e["end"]))
                for e in data.get("entities") or ()
            ),
        )


class Understand(Protocol):
    async def __call__(self, text: str, locale: str) -> Parse: ...
