"""The cascade's first stage: the fast TF-IDF transform, the bag-of-pieces model and the encoder gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu.classifier import ClassifierConfig, IntentClassifier, label_phrase, load_or_train
from nlu.evaluate import evaluate
from nlu.features import NgramFeaturizer, SentenceEncoder
from nlu.rasa_yaml import TrainingData, dump_training_data, training_data_from_pairs

# Sixty intents, so the many-intent defaults (bag-of-pieces model on) apply; each intent has its own
# topic word in three phrasings, which a model must tell apart by that word alone.
_TOPICS = [
    "apple", "banana", "cherry", "grape", "lemon", "mango", "melon", "orange", "peach", "pear",
    "plum", "kiwi", "carrot", "potato", "onion", "garlic", "pepper", "tomato", "cabbage", "spinach",
    "salmon", "tuna", "chicken", "beef", "pork", "lamb", "turkey", "shrimp", "crab", "lobster",
    "violin", "piano", "guitar", "drum", "flute", "trumpet", "cello", "harp", "banjo", "organ",
    "tennis", "soccer", "hockey", "golf", "rugby", "boxing", "cycling", "rowing", "skiing", "surfing",
    "train", "plane", "bus", "taxi", "ferry", "bicycle", "scooter", "truck", "tram", "subway",
]


@pytest.fixture(scope="module")
def many_intents() -> TrainingData:
    return training_data_from_pairs({
        f"ask_{topic}": [f"tell me about the {topic}", f"i want a {topic} please", f"where can i get {topic}"]
        for topic in _TOPICS
    })


@pytest.fixture(scope="module")
def many_intent_model(many_intents: TrainingData) -> IntentClassifier:
    return IntentClassifier.train(many_intents)


def test_fast_single_text_transform_matches_the_fitted_tfidf_matrix() -> None:
    texts = ["Нужно 10 коробок бумаги", "where is my order B2B-000123", "hello hello hello", "ёлка ёж"]
    featurizer, fitted = NgramFeaturizer.fit(texts)
    assert np.allclose(featurizer.transform(texts).toarray(), fitted.toarray(), atol=1e-6)
    # Again, now that each word's character n-grams come from the per-word cache.
    assert np.allclose(featurizer.transform(texts).toarray(), fitted.toarray(), atol=1e-6)


def test_text_with_no_known_ngram_gives_an_empty_vector() -> None:
    featurizer, _ = NgramFeaturizer.fit(["hello there", "good bye"])
    index, values = featurizer.transform_one("???")
    assert index.size == 0
    assert values.size == 0


def test_bag_of_pieces_is_the_mean_over_words_and_zero_for_empty_text() -> None:
    encoder = SentenceEncoder.shared()
    one, two, both, empty = encoder.bag_of_pieces(["paper", "boxes", "paper boxes", ""])
    assert not np.allclose(one, two)
    # Each word is tokenised alone, so the bag of two words lies between their bags (by piece counts).
    assert np.allclose(both, np.average([one, two], axis=0, weights=_piece_counts(encoder, ["paper", "boxes"])),
                       atol=1e-5)
    assert not empty.any()


def _piece_counts(encoder: SentenceEncoder, words: list[str]) -> list[int]:
    return [encoder._word_vector(word)[1] for word in words]


def test_many_intent_model_uses_the_bag_of_pieces_stage(many_intent_model: IntentClassifier) -> None:
    assert many_intent_model.pieces is not None
    assert many_intent_model.pieces_weight > 0
    text = "tell me about the mango"
    assert not np.allclose(many_intent_model.stage1_proba(text), many_intent_model.tfidf_proba(text))
    assert many_intent_model.predict(text).top.name == "ask_mango"


def test_few_intent_model_has_no_bag_of_pieces_stage() -> None:
    model = IntentClassifier.train(training_data_from_pairs({"greet": ["hi", "hello"], "bye": ["bye", "ciao"]}))
    assert model.pieces is None
    assert np.array_equal(model.stage1_proba("hello"), model.tfidf_proba("hello"))


def test_bag_of_pieces_stage_survives_the_model_cache(tmp_path: Path, many_intents: TrainingData) -> None:
    trained = load_or_train(many_intents, tmp_path).classifier
    cached = load_or_train(many_intents, tmp_path)
    assert cached.from_cache
    assert cached.classifier.pieces is not None
    text = "i want a guitar please"
    assert np.allclose(cached.classifier.stage1_proba(text), trained.stage1_proba(text), atol=1e-6)


@pytest.mark.parametrize(("margin", "share"), [(0.0, 0.0), (1.01, 1.0)])
def test_fast_path_margin_decides_how_many_messages_reach_the_encoder(
        tmp_path: Path, many_intents: TrainingData, margin: float, share: float) -> None:
    train = tmp_path / "train.yml"
    train.write_text(dump_training_data(many_intents))
    test = tmp_path / "test.yml"
    test.write_text(dump_training_data(training_data_from_pairs({
        "ask_piano": ["can i get a piano"], "ask_tennis": ["tell me about tennis"],
    })))
    report = evaluate(train, test, config=ClassifierConfig(fast_path_margin=margin), with_entities=False)
    assert report.encoder_share == share
    assert report.intent_accuracy == 1.0


def test_embedding_model_reads_embeddings_centred_on_the_training_mean(
        tmp_path: Path, many_intents: TrainingData, many_intent_model: IntentClassifier) -> None:
    mean = many_intent_model.embedding.mean
    assert mean is not None
    texts = [e.text for e in many_intents.examples] + [label_phrase(i) or "" for i in many_intents.intents]
    assert np.allclose(mean, many_intent_model.encoder.encode(texts).mean(axis=0), atol=1e-5)
    many_intent_model.save(tmp_path / "model.npz")
    loaded = IntentClassifier.load(tmp_path / "model.npz")
    assert loaded.embedding.mean is not None and np.array_equal(loaded.embedding.mean, mean)
    text = "could i get a mango"
    assert loaded.predict(text).ranking == many_intent_model.predict(text).ranking


def test_uncentred_embedding_model_keeps_raw_embeddings(tmp_path: Path, many_intents: TrainingData) -> None:
    model = IntentClassifier.train(many_intents, ClassifierConfig(centre_embeddings=False))
    assert model.embedding.mean is None
    model.save(tmp_path / "model.npz")
    assert IntentClassifier.load(tmp_path / "model.npz").embedding.mean is None
    vector = model.encoder.encode(["tell me about the mango"])
    assert np.allclose(model.embedding.scores(vector), vector @ model.embedding.weights + model.embedding.bias)


def test_few_intent_model_keeps_raw_embeddings_by_default() -> None:
    model = IntentClassifier.train(training_data_from_pairs({"greet": ["hi", "hello"], "bye": ["bye", "ciao"]}))
    assert model.embedding.mean is None
