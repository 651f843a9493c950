"""The embedded classifier and backend on b2bot's domain data (models trained once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.backends import DATA_DIR, EmbeddedBackend
from nlu.classifier import IntentClassifier, load_or_train
from nlu.rasa_yaml import load_training_data, training_data_from_pairs
from nlu.types import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_held_out_domain_intents_above_threshold(backend: EmbeddedBackend, locale: str) -> None:
    test = load_training_data(DATA_DIR / locale / "test.yml")
    in_scope = [e for e in test.examples if e.intent != OUT_OF_SCOPE_INTENT]
    correct = sum(backend.parse_sync(e.text, locale).intent.name == e.intent for e in in_scope)
    assert correct / len(in_scope) >= 0.93


@pytest.mark.parametrize("text", ["xkqzv wpfjt", "ывапролд жэ", "zzzzzz qqqq"])
def test_gibberish_falls_back(backend: EmbeddedBackend, text: str) -> None:
    assert backend.parse_sync(text).intent.name in (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)


def test_fallback_leads_ranking_at_threshold_confidence(backend: EmbeddedBackend) -> None:
    classifier = backend.models["en"].classifier
    low = classifier.fallback_threshold
    result = classifier.predict("xkqzv wpfjt")
    if result.top.name == FALLBACK_INTENT:
        assert result.top.confidence == low
        assert result.ranking[1].confidence < low


def test_locale_is_detected_from_script(backend: EmbeddedBackend) -> None:
    assert backend.locale_for("где мой заказ", None) == "ru"
    assert backend.locale_for("where is my order", None) == "en"


def test_a_message_plainly_in_one_language_is_read_by_its_model_whatever_the_conversation(
    backend: EmbeddedBackend,
) -> None:
    assert backend.locale_for("where is my order", "ru-RU") == "en"
    assert backend.locale_for("найди перчатки", "en") == "ru"
    assert backend.parse_sync("найди перчатки", "en").intent.name == "search_product"
    # Too few letters, or mixed scripts: the conversation's language decides.
    assert backend.locale_for("10 x A4-80", "ru") == "ru"
    assert backend.locale_for("10 x A4-80", "en") == "en"
    assert backend.locale_for("STRETCH-500-20 10 шт", "ru") == "ru"
    assert backend.locale_for("нужно 5 STRETCH-500-20", "en") == "en"


async def test_async_parse_returns_entities_and_ranking(backend: EmbeddedBackend) -> None:
    result = await backend.parse("добавь 10 коробок PAP-A4-80, доставка в Казань", "ru")
    assert result.intent.name == "add_to_cart"
    assert {e.entity for e in result.entities} >= {"quantity", "unit", "sku", "city"}
    assert result.intent_ranking[0] == result.intent
    assert len(result.intent_ranking) == 10


def test_cache_hit_avoids_retraining(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = training_data_from_pairs({
        "greet": ["hi", "hello", "good morning"],
        "bye": ["bye", "see you", "goodbye"],
    })
    first = load_or_train(data, tmp_path)
    assert not first.from_cache

    def no_training(*args: object, **kwargs: object) -> IntentClassifier:
        raise AssertionError("retrained although the model was cached")

    monkeypatch.setattr(IntentClassifier, "train", no_training)
    second = load_or_train(data, tmp_path)
    assert second.from_cache
    assert second.classifier.predict("hello there").top.name == first.classifier.predict("hello there").top.name


def test_changed_training_data_misses_the_cache(tmp_path: Path) -> None:
    base = {"greet": ["hi", "hello"], "bye": ["bye", "see you"]}
    load_or_train(training_data_from_pairs(base), tmp_path)
    changed = load_or_train(training_data_from_pairs({**base, "bye": ["bye", "ciao"]}), tmp_path)
    assert not changed.from_cache
    assert len(list(tmp_path.glob("intent-*.npz"))) == 2


def test_corrupt_cache_file_is_retrained(tmp_path: Path) -> None:
    data = training_data_from_pairs({"greet": ["hi", "hello"], "bye": ["bye", "see you"]})
    load_or_train(data, tmp_path)
    for path in tmp_path.glob("intent-*.npz"):
        path.write_bytes(b"not a model")
    assert not load_or_train(data, tmp_path).from_cache


def test_single_intent_training_data_is_rejected() -> None:
    with pytest.raises(ValueError, match="two intents"):
        IntentClassifier.train(training_data_from_pairs({"greet": ["hi"]}))


def test_a_model_trained_apart_is_trained_in_a_child_process_and_loaded_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = training_data_from_pairs({"greet": ["hi", "hello there", "good morning"],
                                     "bye": ["bye", "see you", "good night"]})

    def no_training_here(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("trained in this process")

    monkeypatch.setattr(IntentClassifier, "train", no_training_here)  # the child imports its own, unpatched
    loaded = load_or_train(data, tmp_path, train_apart=True)
    assert not loaded.from_cache and list(tmp_path.glob("intent-*.npz"))
    assert loaded.classifier.predict("hello").top.name == "greet"
    assert load_or_train(data, tmp_path, train_apart=True).from_cache
