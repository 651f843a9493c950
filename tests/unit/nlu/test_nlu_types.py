"""ParseResult speaks the JSON shape of Rasa's /model/parse."""

from __future__ import annotations

import pytest

from nlu.types import Entity, IntentScore, ParseResult

RASA_RESPONSE = {
    "text": "ship to Kazan",
    "intent": {"name": "delivery_quote", "confidence": 0.93},
    "entities": [{"entity": "city", "start": 8, "end": 13, "value": "Kazan", "confidence_entity": 0.99,
                  "extractor": "DIETClassifier", "role": "destination"}],
    "intent_ranking": [{"name": "delivery_quote", "confidence": 0.93}, {"name": "checkout", "confidence": 0.04}],
}


def test_rasa_response_round_trips_unchanged() -> None:
    assert ParseResult.from_dict(RASA_RESPONSE).to_dict() == RASA_RESPONSE


def test_entity_without_role_or_group_omits_the_keys() -> None:
    result = ParseResult("x", IntentScore("greet", 1.0), (Entity("sku", 0, 1, "X"),), (IntentScore("greet", 1.0),))
    data = result.to_dict()
    assert set(data) == {"text", "intent", "entities", "intent_ranking"}
    assert set(data["entities"][0]) == {"entity", "start", "end", "value", "confidence_entity", "extractor"}


def test_malformed_response_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a Rasa"):
        ParseResult.from_dict({"intent": {"name": "x"}})
