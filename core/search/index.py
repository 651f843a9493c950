"""The in-process catalogue index: SKU, barcode and stemmed-token lookups with typo tolerance and ranking.

Built once from the active catalogue and then only read, so one index can serve every request of a
process. Products are addressed by position (0..n-1) inside the index; postings are kept as flat numpy
arrays (compressed sparse rows), SKU readings as sorted keys packed in one buffer and barcodes as sorted
integers, so that 100,000 products cost about 15 MB and a handful of Python objects, not 200,000 strings.
"""

from __future__ import annotations

import bisect
import itertools
import re
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.search.text import barcode_key, query_tokens, sku_key, sku_spaced_key, sku_verbatim_key, stem, words

SearchKind = Literal["any", "sku", "name"]

# How much a token found in each field counts (out of 100): names over synonyms over category names.
NAME_WEIGHT = 100
SYNONYM_WEIGHT = 90
CATEGORY_WEIGHT = 50

# How well a query word matches a vocabulary token.
EXACT_MATCH = 1.0
PREFIX_MATCH = 0.8
FUZZY_MATCH = 0.9  # scaled down by the share of the word that had to change
PREFIX_EXPANSIONS = 64  # a short prefix such as "ка" must not turn into thousands of tokens
FUZZY_EXPANSIONS = 16

# Scores above every name score, so identifiers outrank words.
BARCODE_SCORE = 2000.0
SKU_EXACT_SCORE = 1000.0
SKU_PREFIX_SCORE = 100.0

IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """What the index needs to know about one active product."""

    id: int
    sku: str
    name: str
    name_ru: str | None = None
    synonyms: Sequence[str] = ()
    category_id: int | None = None
    barcode: str | None = None


@dataclass(frozen=True, slots=True)
class IndexedCategory:
    id: int
    name: str
    name_ru: str | None = None
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Hits:
    """One page of ranked product ids, the number of all matches, and the product an identifier named."""

    total: int
    ids: list[int]
    exact_id: int | None = None


def max_typos(word: str) -> int:
    """Edits tolerated in a typed word: none in short words (too many neighbours), one, two from 7 letters.

    Edits are counted as optimal string alignment, so a swapped pair of letters is one edit.
    """
    if len(word) < 4 or word.isdigit():
        return 0
    return 1 if len(word) <= 6 else 2


class _SortedKeys:
    """Sorted strings packed into one UTF-8 buffer (UTF-8 bytes sort as their code points do), searched by
    bisection: 100,000 SKU keys cost their bytes and two arrays instead of 100,000 string objects."""

    __slots__ = ("_data", "_ends", "chars")

    def __init__(self, keys: Sequence[str]) -> None:
        """`keys` sorted (strings sort by code point, as their UTF-8 bytes do)."""
        encoded = [key.encode() for key in keys]
        self._data = b"".join(encoded)
        self._ends = array("q", itertools.accumulate(map(len, encoded)))
        self.chars: IntArray = np.fromiter((len(e.decode()) for e in encoded), dtype=np.int32, count=len(encoded))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, at: int) -> bytes:
        return self._data[self._ends[at - 1] if at else 0 : self._ends[at]]

    def find(self, key: str) -> int | None:
        """Where `key` is, or None."""
        encoded = key.encode()
        at = bisect.bisect_left(self, encoded)
        return at if at < len(self) and self[at] == encoded else None

    def prefixed(self, prefix: str) -> tuple[int, int]:
        """The range of keys starting with `prefix` (0xff never occurs in UTF-8, so it sorts after all)."""
        encoded = prefix.encode()
        lo = bisect.bisect_left(self, encoded)
        return lo, bisect.bisect_left(self, encoded + b"\xff", lo)


class _TextColumn:
    """Strings appended one per product into one UTF-8 buffer: a build holds no object per product, so
    the few objects it keeps cannot pin the pages of the many it frees (CPython only returns a 1 MB arena of
    small objects to the OS when all of it is free)."""

    __slots__ = ("_data", "_ends")

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def append(self, text: str) -> None:
        self._data += text.encode()
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, at: int) -> str:
        return self._data[self._ends[at - 1] if at else 0 : self._ends[at]].decode()

    def all(self) -> list[str]:
        return [self[at] for at in range(len(self))]


def _barcode_number(code: str) -> int:
    """A barcode key (8 to 14 digits) as one integer, its length kept so that leading zeros still count."""
    return int(code) * 16 + len(code)


@dataclass(frozen=True, slots=True)
class _FuzzyPool:
    """Strings a typed word may be a misspelling of, sorted by length, each pointing to a vocabulary token.

    Holds both stems ("dispos") and the whole words they came from ("disposable"): a misspelt word
    often stems differently from the word meant ("disposabel" stays whole), so it is compared whole too.
    """

    strings: list[str]
    lengths: list[int]
    targets: IntArray

    @classmethod
    def of(cls, entries: list[tuple[str, int]]) -> _FuzzyPool:
        entries.sort(key=lambda e: (len(e[0]), e[0]))
        return cls(
            [e[0] for e in entries], [len(e[0]) for e in entries], np.asarray([e[1] for e in entries], dtype=np.int32)
        )

    def near(self, typed: Sequence[str], typos: int) -> list[tuple[int, float]]:
        """(vocabulary index, match quality) of strings within `typos` edits of any of `typed`."""
        shortest, longest = min(map(len, typed)), max(map(len, typed))
        lo = bisect.bisect_left(self.lengths, shortest - typos)
        hi = bisect.bisect_right(self.lengths, longest + typos)
        if lo >= hi:
            return []
        distances = process.cdist(
            list(typed), self.strings[lo:hi], scorer=OSA.distance, score_cutoff=typos, dtype=np.int32
        ).min(axis=0)
        close = np.flatnonzero(distances <= typos)
        if len(close) > FUZZY_EXPANSIONS:
            close = close[np.argsort(distances[close], kind="stable")[:FUZZY_EXPANSIONS]]
        found: list[tuple[int, float]] = []
        for at in close:
            longer = max(longest, self.lengths[lo + at])
            found.append((int(self.targets[lo + at]), FUZZY_MATCH * (1 - int(distances[at]) / longer)))
        return found


@dataclass(slots=True)
class IndexBuilder:
    """Takes products in batches (so rows can be read in chunks and dropped); `finish` makes the index.

    Postings grow in compact typed arrays rather than lists of Python ints: a rebuild happens while the
    previous index still serves, and both must fit in the process's memory budget.
    """

    categories: dict[int, IndexedCategory]
    ids: array[int] = field(default_factory=lambda: array("q"))
    category_of: array[int] = field(default_factory=lambda: array("i"))
    name_lengths: array[int] = field(default_factory=lambda: array("i"))
    postings: dict[str, tuple[array[int], array[int]]] = field(default_factory=dict)
    skus: _TextColumn = field(default_factory=_TextColumn)
    surface: dict[str, str] = field(default_factory=dict)  # whole word -> its stem, where they differ
    barcodes: array[int] = field(default_factory=lambda: array("q"))  # `_barcode_number`s, by position
    barcode_positions: array[int] = field(default_factory=lambda: array("i"))
    category_tokens: dict[int, set[str]] = field(default_factory=dict)

    def add_all(self, products: Iterable[IndexedProduct]) -> None:
        for product in products:
            self.add(product)

    def finish(self, version: int) -> CatalogIndex:
        return CatalogIndex(self, version)

    def add(self, product: IndexedProduct) -> None:
        pos = len(self.ids)
        self.ids.append(product.id)
        self.category_of.append(product.category_id if product.category_id is not None else -1)
        english, russian = set(self.stems(product.name)), set(self.stems(product.name_ru or ""))
        self.name_lengths.append(max(1, min(len(english) or len(russian), len(russian) or len(english))))
        weights: dict[str, int] = dict.fromkeys(self._category_tokens(product.category_id), CATEGORY_WEIGHT)
        for synonym in product.synonyms:
            weights.update(dict.fromkeys(self.stems(synonym), SYNONYM_WEIGHT))
        weights.update(dict.fromkeys(english | russian, NAME_WEIGHT))
        for token, weight in weights.items():
            positions, token_weights = self.postings.get(token) or self.postings.setdefault(
                token, (array("i"), array("B"))
            )
            positions.append(pos)
            token_weights.append(weight)
        self.skus.append(product.sku)
        if product.barcode and (code := barcode_key(product.barcode)):
            self.barcodes.append(_barcode_number(code))
            self.barcode_positions.append(pos)

    def stems(self, text: str) -> list[str]:
        found = []
        for word in words(text):
            token = stem(word)
            if token != word:
                self.surface[word] = token
            found.append(token)
        return found

    def _category_tokens(self, category_id: int | None) -> set[str]:
        if category_id is None:
            return set()
        if category_id not in self.category_tokens:
            found: set[str] = set()
            seen: set[int] = set()
            current = self.categories.get(category_id)
            while current is not None and current.id not in seen:  # parents too, guarding against cycles
                seen.add(current.id)
                found.update(self.stems(f"{current.name} {current.name_ru or ''}"))
                current = self.categories.get(current.parent_id) if current.parent_id is not None else None
            self.category_tokens[category_id] = found
        return self.category_tokens[category_id]


class CatalogIndex:
    """Read-only lookups over one snapshot of the active catalogue, labelled with its catalogue version."""

    def __init__(self, builder: IndexBuilder, version: int) -> None:
        self.version = version
        self._ids = np.frombuffer(builder.ids, dtype=np.int64).copy()
        self._category = np.frombuffer(builder.category_of, dtype=np.int32).copy()
        self._name_length = np.frombuffer(builder.name_lengths, dtype=np.int32).astype(np.float32)
        self._categories = builder.categories
        # Each looser reading of an SKU maps to its product unless two SKUs read alike (-1). The verbatim
        # form is kept only for those few, so "A4-80" still finds itself next to an "A4/80".
        skus = builder.skus.all()
        spaced = [sku_spaced_key(sku) for sku in skus]
        by_spaced = sorted(range(len(spaced)), key=spaced.__getitem__)  # equal readings in catalogue order
        spaced_keys: list[str] = []
        spaced_pos = array("i")
        self._sku_verbatim: dict[str, int] = {}
        for key, group in itertools.groupby(by_spaced, key=spaced.__getitem__):
            alike = list(group)
            spaced_keys.append(key)
            spaced_pos.append(alike[0] if len(alike) == 1 else -1)
            for pos in alike if len(alike) > 1 else ():
                self._sku_verbatim.setdefault(sku_verbatim_key(skus[pos]), pos)
        self._sku_spaced = _SortedKeys(spaced_keys)
        self._sku_spaced_pos = np.frombuffer(spaced_pos, dtype=np.int32).copy()
        del spaced, by_spaced, spaced_keys, spaced_pos
        compacts = [sku_key(sku) for sku in skus]
        by_key = sorted(range(len(compacts)), key=compacts.__getitem__)
        self._sku_sorted = _SortedKeys([compacts[pos] for pos in by_key])
        self._sku_sorted_pos = np.asarray(by_key, dtype=np.int32)
        del skus, compacts, by_key
        # Barcodes sorted, products sharing one (rare) side by side in catalogue order.
        barcodes = np.frombuffer(builder.barcodes, dtype=np.int64)
        by_code = np.argsort(barcodes, kind="stable")
        self._barcodes = barcodes[by_code]
        self._barcode_pos = np.frombuffer(builder.barcode_positions, dtype=np.int32)[by_code]
        self._vocab = sorted(builder.postings)
        self._vocab_index = {token: i for i, token in enumerate(self._vocab)}
        sizes = [len(builder.postings[token][0]) for token in self._vocab]
        self._offsets = np.zeros(len(self._vocab) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self._offsets[1:])
        total = int(self._offsets[-1])
        self._post_pos = np.empty(total, dtype=np.int32)
        self._post_weight = np.empty(total, dtype=np.uint8)  # percent
        for i, token in enumerate(self._vocab):
            positions, weights = builder.postings[token]
            start, end = self._offsets[i], self._offsets[i + 1]
            self._post_pos[start:end] = np.frombuffer(positions, dtype=np.int32)
            self._post_weight[start:end] = np.frombuffer(weights, dtype=np.uint8)
        entries = [(token, i) for i, token in enumerate(self._vocab)]
        entries += [(word, self._vocab_index[token]) for word, token in builder.surface.items()]
        # Codes ("kx300") and words never stand for each other, and codes outnumber words in big catalogues.
        self._fuzzy_words = _FuzzyPool.of([e for e in entries if not _has_digit(e[0])])
        self._fuzzy_codes = _FuzzyPool.of([e for e in entries if _has_digit(e[0])])

    @classmethod
    def build(
        cls, products: Iterable[IndexedProduct], categories: Iterable[IndexedCategory] = (), version: int = 0
    ) -> CatalogIndex:
        builder = IndexBuilder({c.id: c for c in categories})
        builder.add_all(products)
        return builder.finish(version)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    def nbytes(self) -> int:
        """Bytes held by the numpy arrays (the Python dictionaries come on top)."""
        arrays = (self._ids, self._category, self._name_length, self._sku_sorted_pos, self._sku_sorted.chars,
                  self._sku_spaced_pos, self._sku_spaced.chars, self._barcodes, self._barcode_pos, self._offsets,
                  self._post_pos, self._post_weight)
        return sum(a.nbytes for a in arrays)

    # Identifiers ------------------------------------------------------------------------------------

    def sku_exact(self, sku: str) -> int | None:
        """The product id of an SKU typed in any case, with or without spaces and dashes; None if none
        or if two SKUs read alike without their punctuation ("A4-80" and "A48-0") and neither is typed."""
        pos = self._sku_exact_position(sku)
        return None if pos is None else int(self._ids[pos])

    def _sku_exact_position(self, sku: str) -> int | None:
        pos = self._sku_verbatim.get(sku_verbatim_key(sku))
        if pos is not None and pos >= 0:
            return pos
        at = self._sku_spaced.find(sku_spaced_key(sku))
        if at is not None and (pos := int(self._sku_spaced_pos[at])) >= 0:
            return pos
        # The compact reading comes from the sorted SKU keys (no third lookup): it names a product
        # only when exactly one SKU reads that way.
        keys = self._sku_sorted
        at = keys.find(sku_key(sku))
        if at is not None and (at + 1 == len(keys) or keys[at + 1] != keys[at]):
            return int(self._sku_sorted_pos[at])
        return None

    def barcode(self, barcode: str) -> list[int]:
        code = barcode_key(barcode)
        return [int(self._ids[p]) for p in self._barcode_positions(code)] if code else []

    def _barcode_positions(self, code: str) -> list[int]:
        number = _barcode_number(code)
        lo, hi = np.searchsorted(self._barcodes, [number, number + 1])
        return [int(pos) for pos in self._barcode_pos[lo:hi]]

    def categories(self) -> list[IndexedCategory]:
        return sorted(self._categories.values(), key=lambda c: (c.name.lower(), c.id))

    def category(self, category_id: int) -> IndexedCategory | None:
        return self._categories.get(category_id)

    def category_with_descendants(self, category_id: int) -> set[int]:
        children: dict[int, list[int]] = {}
        for category in self._categories.values():
            if category.parent_id is not None:
                children.setdefault(category.parent_id, []).append(category.id)
        found, todo = set(), [category_id]
        while todo:
            current = todo.pop()
            if current not in found:
                found.add(current)
                todo.extend(children.get(current, ()))
        return found

    # Search ------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        kind: SearchKind = "any",
        category_id: int | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Hits:
        """Ranked product ids for `query`: barcode, then exact SKU, then SKU prefix, then words.

        Words match names in both languages, synonyms and category names, each query word by its stem,
        as a prefix of a longer token, or within one or two typos. Products matching every query word
        that matched anything come first and alone; when none matches all of them, those matching the
        most are returned. An empty query with a category lists that category.
        """
        in_category = None if category_id is None else self._in_category(category_id)
        if kind == "sku":
            return self._search_sku(query, in_category, offset, limit)
        scores = np.zeros(len(self._ids), dtype=np.float64)
        exact = None
        if kind == "any":
            exact = self._score_identifiers(query, scores)
        if kind == "name" or (kind == "any" and (scores.any() or not _CODE_TYPED.fullmatch(query.strip()))):
            # An SKU as typed ("NOPE-1") that no SKU matches is not a name: its pieces ("1") would find hundreds.
            self._score_words(query, scores, in_category)
        if not query.strip() and in_category is not None:
            scores[:] = 1.0
        if in_category is not None:
            scores[~in_category] = 0
        return self._page(scores, offset, limit, exact)

    def identifier_in(self, text: str) -> str | None:
        """The first word of `text` (split at spaces, punctuation around it dropped) that is an active product's
        SKU or barcode, as typed: "найди GLOVE-NIT-M" -> "GLOVE-NIT-M"; None when there is none."""
        for word in text[:_MAX_IDENTIFIER_SCAN].split():
            word = word.strip(_AROUND_IDENTIFIERS)
            if not word:
                continue
            code = barcode_key(word)
            if self._sku_exact_position(word) is not None or (code and self._barcode_positions(code)):
                return word
        return None

    def known_words(self, text: str) -> list[str]:
        """The words of `text` that the catalogue uses, as they are or by their stem, in order and without stop
        words: what a message asks the catalogue for ("find nitrile gloves, please" -> nitrile, gloves). Only
        exact readings count: a typo's or a prefix's neighbours are guesses, and here they would turn the
        words around a product's name ("looking" -> "book") into products. Numbers count only beside a word
        ("paper 80"): alone ("order 5") they are not about a product."""
        known = [word for word, word_stem in query_tokens(text)
                 if word_stem in self._vocab_index or word in self._vocab_index]
        return known if any(not word.isdigit() for word in known) else []

    def similar(self, text: str, *, category_id: int | None = None, limit: int = 20) -> list[int]:
        """Product ids whose names share the most words with `text` (by stem, exactly), best first: "products like
        this one". Unlike `search`, a product need not share every word, so the product `text` names comes first
        and the nearest follow. `category_id` keeps to a category and its subcategories."""
        scores = np.zeros(len(self._ids), dtype=np.float64)
        for word, word_stem in query_tokens(text):
            at = self._vocab_index.get(word_stem, self._vocab_index.get(word))
            if at is not None:
                start, end = self._offsets[at], self._offsets[at + 1]
                scores[self._post_pos[start:end]] += self._post_weight[start:end]
        if category_id is not None:
            scores[~self._in_category(category_id)] = 0
        return self._page(scores, 0, limit, None).ids

    def _in_category(self, category_id: int) -> npt.NDArray[np.bool_]:
        """By position: whether each product is in the category or one of its subcategories."""
        return np.isin(self._category, list(self.category_with_descendants(category_id)))

    def _score_identifiers(self, query: str, scores: npt.NDArray[np.float64]) -> int | None:
        """Scores barcode, exact-SKU and SKU-prefix matches; the position of the product named exactly."""
        exact: int | None = None
        code = barcode_key(query)
        for pos in self._barcode_positions(code) if code else ():
            scores[pos] = BARCODE_SCORE
            exact = pos if exact is None else exact
        key = sku_key(query)
        if len(key) >= 2:
            positions, scored = self._sku_prefix(key)
            scores[positions] = np.maximum(scores[positions], scored)
        if (sku_pos := self._sku_exact_position(query)) is not None:
            scores[sku_pos] = max(scores[sku_pos], SKU_EXACT_SCORE)
            exact = sku_pos if exact is None else exact
        return exact

    def _sku_prefix(self, key: str) -> tuple[IntArray, npt.NDArray[np.float64]]:
        """Positions of SKUs starting with `key`, scored so that shorter SKUs come first."""
        lo, hi = self._sku_sorted.prefixed(key)
        extra = self._sku_sorted.chars[lo:hi].astype(np.float64) - len(key)
        return self._sku_sorted_pos[lo:hi], SKU_PREFIX_SCORE - np.minimum(extra, 90)

    def _search_sku(self, query: str, in_category: npt.NDArray[np.bool_] | None, offset: int, limit: int) -> Hits:
        key = sku_key(query)
        if not key:
            return Hits(0, [])
        scores = np.zeros(len(self._ids), dtype=np.float64)
        positions, scored = self._sku_prefix(key)
        scores[positions] = scored
        exact = self._sku_exact_position(query)
        if exact is not None:
            scores[exact] = SKU_EXACT_SCORE
        if in_category is not None:
            scores[~in_category] = 0
        return self._page(scores, offset, limit, exact)

    def _score_words(
        self, query: str, scores: npt.NDArray[np.float64], in_category: npt.NDArray[np.bool_] | None
    ) -> None:
        n = len(self._ids)
        total = np.zeros(n, dtype=np.float32)
        matched = np.zeros(n, dtype=np.int16)
        effective = 0
        for word, word_stem in query_tokens(query):
            candidates = self.candidates(word, word_stem)
            if not candidates:
                continue  # a word the catalogue never uses narrows nothing
            effective += 1
            best = np.zeros(n, dtype=np.float32)
            for vocab_index, quality in candidates:
                start, end = self._offsets[vocab_index], self._offsets[vocab_index + 1]
                positions = self._post_pos[start:end]
                best[positions] = np.maximum(best[positions], self._post_weight[start:end] * (quality / 100))
            total += best
            matched += best > 0
        if not effective:
            return
        if in_category is not None:
            matched[~in_category] = 0
        need = effective if (matched == effective).any() else int(matched.max())
        if need == 0:
            return
        chosen = matched == need
        # Among equals, the product whose name is mostly the query comes first ("Paper A4" before
        # "Paper A4 box of 5 reams, recycled").
        coverage = np.minimum(1.0, need / self._name_length[chosen])
        scores[chosen] += total[chosen] + 0.1 * coverage

    def candidates(self, word: str, word_stem: str) -> list[tuple[int, float]]:
        """Vocabulary tokens a query word may stand for, with how well each matches (1.0 is exact)."""
        found: dict[int, float] = {}
        for exact in (word_stem, word):
            if (index := self._vocab_index.get(exact)) is not None:
                found[index] = EXACT_MATCH
        if len(word_stem) >= 3 and not word_stem.isdigit():
            start = bisect.bisect_left(self._vocab, word_stem)
            for index in range(start, min(start + PREFIX_EXPANSIONS, len(self._vocab))):
                if not self._vocab[index].startswith(word_stem):
                    break
                found.setdefault(index, PREFIX_MATCH)
        if EXACT_MATCH not in found.values() and (typos := max_typos(word)):
            pool = self._fuzzy_codes if _has_digit(word) else self._fuzzy_words
            for index, quality in pool.near((word,) if word == word_stem else (word, word_stem), typos):
                found[index] = max(found.get(index, 0.0), quality)
        return list(found.items())

    def _page(self, scores: npt.NDArray[np.float64], offset: int, limit: int, exact: int | None) -> Hits:
        exact_id = int(self._ids[exact]) if exact is not None and scores[exact] > 0 else None
        hits = np.flatnonzero(scores > 0)
        total = len(hits)
        end = offset + limit
        if offset >= total or limit <= 0:
            return Hits(total, [], exact_id)
        # Position breaks ties, so paging is stable: the same query never shows one product twice.
        keys = scores[hits] - hits * 1e-10
        if end < total:
            top = np.argpartition(-keys, end - 1)[:end]
            hits, keys = hits[top], keys[top]
        order = np.argsort(-keys, kind="stable")[offset:end]
        return Hits(total, [int(i) for i in self._ids[hits[order]]], exact_id)


_MAX_IDENTIFIER_SCAN = 500  # characters of a message searched for an SKU or a barcode
_AROUND_IDENTIFIERS = ".,;:!?()[]{}\"'«»“”"
_CODE_TYPED = re.compile(r"(?=.*\d)[A-Z][A-Z0-9]*(?:[-./][A-Z0-9]+)+")  # an SKU as written: capitals, a dash, a digit


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)
