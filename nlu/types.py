"""Parse results in the JSON shape of Rasa's `POST /model/parse` response.

b2bot's own backend and the optional Rasa server answer with the same shape, so the dialogs engine never
cares which one produced a result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"

JsonValue = Any


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float

    def to_dict(self) -> dict[str, JsonValue]:
        return {"name": self.name, "confidence": self.confidence}


@dataclass(frozen=True, slots=True)
class Entity:
    """One extracted entity; `start`/`end` are character offsets into the parsed text."""

    entity: str
    start: int
    end: int
    value: JsonValue
    confidence_entity: float = 1.0
    extractor: str = "b2bot"
    role: str | None = None
    group: str | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence_entity": self.confidence_entity,
            "extractor": self.extractor,
        }
        # Rasa omits role/group when absent; so do we, to keep the shape identical.
        if self.role is not None:
            out["role"] = self.role
        if self.group is not None:
            out["group"] = self.group
        return out


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: IntentScore
    entities: tuple[Entity, ...] = ()
    intent_ranking: tuple[IntentScore, ...] = field(default=())

    @property
    def is_fallback(self) -> bool:
        return self.intent.name in (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)

    def entity_values(self, name: str) -> list[JsonValue]:
        return [e.value for e in self.entities if e.entity == name]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "entities": [e.to_dict() for e in self.entities],
            "intent_ranking": [s.to_dict() for s in self.intent_ranking],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, JsonValue]) -> ParseResult:
        """Build from a Rasa `/model/parse` response; raises ValueError on a malformed one."""
        try:
            text = str(data["text"])
            raw_intent = data.get("intent") or {}
            name = raw_intent.get("name")
            intent = IntentScore(
                name=str(name) if name else FALLBACK_INTENT,
                confidence=float(raw_intent.get("confidence") or 0.0),
            )
            entities = tuple(
                Entity(
                    entity=str(e["entity"]),
                    start=int(e["start"]),
                    end=int(e["end"]),
                    value=e.get("value"),
                    confidence_entity=float(e.get("confidence_entity", 1.0) or 0.0),
                    extractor=str(e.get("extractor", "rasa")),
                    role=None if e.get("role") is None else str(e["role"]),
                    group=None if e.get("group") is None else str(e["group"]),
                )
                for e in data.get("entities") or ()
            )
            ranking = tuple(
                IntentScore(name=str(r["name"]), confidence=float(r["confidence"]))
                for r in data.get("intent_ranking") or ()
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"not a Rasa /model/parse response: {exc!r}") from exc
        return cls(text=text, intent=intent, entities=entities, intent_ranking=ranking)
