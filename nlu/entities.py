"""Entity extraction: SKUs, quantities with units, order numbers, dates, cities and catalogue products.

Rule-based on purpose: these entities have a closed form (a code, a number, a unit word, a known city or
product), so rules plus the training data's regexes, lookups and synonyms beat a learned tagger on a few
hundred examples, and they cost microseconds. Overlaps resolve by priority, then by length.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

from nlu.morph import Token, city_lemmas, lemma, tokenize
from nlu.numbers import is_number_word, parse_number_words
from nlu.rasa_yaml import TrainingData
from nlu.types import Entity

DEFAULT_SKU_PATTERN = r"\b(?=[A-Z0-9-]*\d)[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b"
DEFAULT_CITIES = (
    "Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань", "Нижний Новгород", "Челябинск",
    "Самара", "Омск", "Ростов-на-Дону", "Уфа", "Красноярск", "Воронеж", "Пермь", "Волгоград", "Краснодар",
    "Саратов", "Тюмень", "Тольятти", "Ижевск", "Барнаул", "Иркутск", "Хабаровск", "Владивосток",
    "Ярославль", "Томск", "Оренбург", "Кемерово", "Рязань", "Тверь", "Калининград", "Сочи", "Тула",
    "Киров", "Минск", "Алматы", "Астана", "Ташкент",
)
# Cities as written in English text map to the same canonical (Russian) names.
_ENGLISH_CITY_NAMES = {
    "moscow": "Москва", "saint petersburg": "Санкт-Петербург", "st petersburg": "Санкт-Петербург",
    "petersburg": "Санкт-Петербург", "novosibirsk": "Новосибирск", "yekaterinburg": "Екатеринбург",
    "ekaterinburg": "Екатеринбург", "kazan": "Казань", "nizhny novgorod": "Нижний Новгород",
    "chelyabinsk": "Челябинск", "samara": "Самара", "omsk": "Омск", "rostov": "Ростов-на-Дону",
    "rostov-on-don": "Ростов-на-Дону", "ufa": "Уфа", "krasnoyarsk": "Красноярск", "voronezh": "Воронеж",
    "perm": "Пермь", "volgograd": "Волгоград", "krasnodar": "Краснодар", "saratov": "Саратов",
    "tyumen": "Тюмень", "irkutsk": "Иркутск", "khabarovsk": "Хабаровск", "vladivostok": "Владивосток",
    "yaroslavl": "Ярославль", "tomsk": "Томск", "kaliningrad": "Калининград", "sochi": "Сочи",
    "tula": "Тула", "minsk": "Минск", "almaty": "Алматы", "astana": "Астана", "tashkent": "Ташкент",
}
# Short and colloquial names of the same cities.
_CITY_NICKNAMES = {
    "питер": "Санкт-Петербург", "спб": "Санкт-Петербург", "spb": "Санкт-Петербург", "мск": "Москва",
    "msk": "Москва", "екб": "Екатеринбург", "новосиб": "Новосибирск", "ростов": "Ростов-на-Дону",
}
# Canonical unit codes; Russian forms are matched by lemma, so one entry covers every case ending.
_UNITS = {
    "pcs": "pcs", "pc": "pcs", "piece": "pcs", "unit": "pcs", "шт": "pcs", "штука": "pcs", "штук": "pcs",
    "box": "box", "boxe": "box", "carton": "box", "case": "box", "коробка": "box", "коробок": "box",
    "кор": "box", "ящик": "box",
    "pack": "pack", "package": "pack", "packet": "pack", "уп": "pack", "упаковка": "pack", "пачка": "pack",
    "kg": "kg", "kilo": "kg", "kilogram": "kg", "кг": "kg", "килограмм": "kg", "кило": "kg",
    "m": "m", "meter": "m", "metre": "m", "м": "m", "метр": "m",
    "l": "l", "liter": "l", "litre": "l", "л": "l", "литр": "l",
    "roll": "roll", "рулон": "roll", "pallet": "pallet", "паллет": "pallet", "паллета": "pallet",
}
# One-letter units are only units right after a number ("5 m", not "I m here").
_SHORT_UNITS = frozenset({"m", "l", "м", "л"})
_GLUED_QUANTITY = re.compile(r"\b(\d+(?:[.,]\d+)?)(шт|кг|kg|pcs|уп|кор|м|m|л|l)\b", re.IGNORECASE)
_ORDER_PATTERNS = (
    re.compile(r"\bB2B-\d{3,}\b", re.IGNORECASE),
    re.compile(r"(?:#|№)\s?(\d{3,})\b"),
    re.compile(r"\b(?:order|orders|заказ\w*)\s+(?:no\.?\s*|number\s+|num\s+|номер\s+)?(\d{3,})\b",
               re.IGNORECASE),
)
_DECIMAL = re.compile(r"\d+(?:[.,]\d+)?")

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "январь": 1, "февраль": 2, "март": 3, "апрель": 4, "май": 5, "июнь": 6, "июль": 7, "август": 8,
    "сентябрь": 9, "октябрь": 10, "ноябрь": 11, "декабрь": 12,
}
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "понедельник": 0, "вторник": 1, "среда": 2, "четверг": 3, "пятница": 4, "суббота": 5,
    "воскресенье": 6,
}
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "tonight": 0, "сегодня": 0, "завтра": 1, "послезавтра": 2}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\b")

IntArray = npt.NDArray[np.int32]
_NO_POSITIONS: IntArray = np.zeros(0, dtype=np.int32)

# Priority when two candidates overlap: exact codes beat numbers, numbers beat fuzzy names.
_PRIORITY = {"order_number": 0, "sku": 1, "date": 2, "quantity": 3, "unit": 3, "city": 4, "product": 5}


# ------------------------------------------------------------------------------------- product catalogue


class ProductResolver(Protocol):
    """What the extractor needs from the live catalogue; `ProductNameIndex` is the standard one."""

    def match(self, phrase_lemmas: str) -> tuple[str, float] | None:
        """Best (sku, score 0..100) for a lemmatised phrase, or None."""
        ...


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    sku: str
    name: str
    synonyms: tuple[str, ...] = ()


def lemmatize_phrase(text: str) -> str:
    return " ".join(t.lemma for t in tokenize(text))


class _TextColumn:
    """Short strings (SKUs) appended into one UTF-8 buffer, read back one at a time: 100,000 of them cost
    their bytes and an offsets array, not 100,000 objects."""

    __slots__ = ("_data", "_ends")

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def add(self, text: str) -> None:
        self._data += text.encode()
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, at: int) -> str:
        return self._data[self._ends[at - 1] if at else 0 : self._ends[at]].decode()


class _WordSequences:
    """Lemmatised names kept as sequences of word ids, joined again when read: a catalogue's names share a
    small vocabulary, so two bytes a word (while it stays under 65,536 words) instead of the text."""

    __slots__ = ("_ends", "_ids", "words")

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._ids = array("I")
        self._ends = array("q")

    def add(self, ids: Iterable[int]) -> None:
        self._ids.extend(ids)
        self._ends.append(len(self._ids))

    def compact(self) -> None:
        if len(self.words) <= 1 << 16:
            self._ids = array("H", np.frombuffer(self._ids, dtype=np.uint32).astype(np.uint16).tobytes())

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, at: int) -> str:
        words = self.words
        return " ".join([words[i] for i in self._ids[self._ends[at - 1] if at else 0 : self._ends[at]]])


class ProductNameIndexBuilder:
    """Takes catalogue entries in batches (so rows can be read in chunks and dropped); `finish` makes the index.

    Keeps no Python object per name: names become sequences of word ids in one array, and repeats (a
    synonym many products share) are found through a sorted array of the names' hashes. What a build
    leaves behind must be a few arrays, or its garbage's pages stay pinned under a scattered few survivors
    (CPython returns a 1 MB arena of small objects to the OS only when all of it is free)."""

    def __init__(self) -> None:
        self.words: list[str] = []  # by id
        self.phrases, self.skus = _WordSequences(self.words), _TextColumn()
        self.lengths = array("i")
        self.owners = array("i")  # name position -> its product's position in `skus`
        self.vocabulary: dict[str, int] = {}
        self.word_ids, self.phrase_ids = array("i"), array("i")  # (word, name) pairs
        self.max_words = 0
        self.hashes: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # sorted
        self.by_hash: IntArray = np.zeros(0, dtype=np.int32)  # the name position of each hash

    def add(self, entries: Iterable[CatalogueEntry | tuple[str, str, Sequence[str]]]) -> None:
        names: list[tuple[str, str]] = []  # (sku, lemmatised name)
        for raw in entries:
            entry = raw if isinstance(raw, CatalogueEntry) else CatalogueEntry(raw[0], raw[1], tuple(raw[2]))
            names += ((entry.sku, key) for key in map(lemmatize_phrase, (entry.name, *entry.synonyms)) if key)
        hashes = np.fromiter((hash(key) for _sku, key in names), dtype=np.int64, count=len(names))
        at = np.minimum(np.searchsorted(self.hashes, hashes), max(len(self.hashes) - 1, 0))
        maybe_known = (self.hashes[at] == hashes) if len(self.hashes) else np.zeros(len(names), dtype=bool)
        added: set[str] = set()
        new_positions, new_hashes = array("i"), array("q")
        last_sku = None
        for (sku, key), h, known, at_hash in zip(names, hashes.tolist(), maybe_known.tolist(), at.tolist(),
                                                 strict=True):
            if key in added or (known and self._known(key, at_hash)):
                continue  # the first product with this name keeps it, as a full scan finds it first
            added.add(key)
            position = len(self.phrases)
            if sku != last_sku:  # consecutive names of one product share its SKU
                self.skus.add(sku)
                last_sku = sku
            ids = [self._word_id(word) for word in key.split(" ")]
            self.phrases.add(ids)
            self.lengths.append(len(key))
            self.owners.append(len(self.skus) - 1)
            new_positions.append(position)
            new_hashes.append(h)
            self.max_words = max(self.max_words, key.count(" ") + 1)
            for word_id in set(ids):
                self.word_ids.append(word_id)
                self.phrase_ids.append(position)
        if new_positions:
            fresh = np.frombuffer(new_hashes, dtype=np.int64)
            order = np.argsort(fresh, kind="stable")
            # After equal hashes already in (a true collision), so they stay in catalogue order.
            at = np.searchsorted(self.hashes, fresh[order], side="right")
            self.hashes = np.insert(self.hashes, at, fresh[order])
            self.by_hash = np.insert(self.by_hash, at, np.frombuffer(new_positions, dtype=np.int32)[order])

    def _word_id(self, word: str) -> int:
        found = self.vocabulary.get(word)
        if found is None:
            found = self.vocabulary[word] = len(self.words)
            self.words.append(word)
        return found

    def _known(self, key: str, at: int) -> bool:
        """Whether a name whose hash is at `at` (and maybe after it) is `key` itself."""
        h = self.hashes[at]
        while at < len(self.hashes) and self.hashes[at] == h:
            if self.phrases[int(self.by_hash[at])] == key:
                return True
            at += 1
        return False

    def finish(self, min_score: float = 88.0) -> ProductNameIndex:
        return ProductNameIndex._built(self, min_score)


class ProductNameIndex:
    """Product names and synonyms, lemmatised once, matched exactly first and fuzzily (rapidfuzz) second, in
    any word order ("нитриловые перчатки" is "Перчатки нитриловые ...").

    The fuzzy pass does not scan the whole catalogue: a phrase can only reach `min_score` against names of
    about its own length that hold its words, exactly or with a typo. So each name's words are kept as
    postings (word -> names in catalogue order), a phrase's words are looked up (a typo'd word among the
    words with the same first letter), the postings intersected from the rarest word on, and rapidfuzz
    scores only what is left: with 100,000 products, a handful of names instead of 200,000 per phrase.

    Names are kept as word-id sequences and SKUs in one UTF-8 buffer, and a name is found exactly through a
    sorted array of the names' hashes (Python's string hash: the index lives and dies in one process), so
    100,000 products cost about 20 MB in a few dozen objects rather than 80 MB in hundreds of thousands.

    Rebuild (cheap, a few ms per thousand products) whenever the catalogue changes; the index is immutable
    (but for a bounded cache of word lookups), so swapping it in is a single assignment under concurrency.
    """

    MAX_CANDIDATES = 256  # names scored per phrase at most
    WORD_CUTOFF = 75.0  # how close a typed word must be to a catalogue word to count as that word
    WORD_CACHE_SIZE = 50_000

    def __init__(self, entries: Iterable[CatalogueEntry | tuple[str, str, Sequence[str]]],
                 min_score: float = 88.0) -> None:
        builder = ProductNameIndexBuilder()
        builder.add(entries)
        self._adopt(builder, min_score)

    @classmethod
    def _built(cls, builder: ProductNameIndexBuilder, min_score: float) -> ProductNameIndex:
        index = cls.__new__(cls)
        index._adopt(builder, min_score)
        return index

    def _adopt(self, builder: ProductNameIndexBuilder, min_score: float) -> None:
        self.min_score = min_score
        self.max_words = builder.max_words
        builder.phrases.compact()
        self._phrases = builder.phrases
        self._skus = builder.skus
        self._owner = builder.owners
        self._lengths = np.frombuffer(builder.lengths, dtype=np.int32)
        # Plain arrays, searched with `bisect`: a lookup runs for every window of every message, and a
        # NumPy call on one value costs ten times a bisection.
        self._hashes = array("q", builder.hashes.tobytes())
        self._by_hash = array("i", builder.by_hash.astype(np.int32).tobytes())
        self._build_postings(builder.vocabulary, np.frombuffer(builder.word_ids, dtype=np.int32).copy(),
                             np.frombuffer(builder.phrase_ids, dtype=np.int32))
        self._word_cache: dict[str, tuple[int, ...]] = {}

    def _build_postings(self, vocabulary: dict[str, int], words: IntArray, phrase_ids: IntArray) -> None:
        by_word = np.argsort(words, kind="stable")
        self._postings = phrase_ids[by_word]
        self._offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(words, minlength=len(vocabulary)), out=self._offsets[1:])
        self._word_id = vocabulary
        self._by_initial: dict[str, list[str]] = {}
        for word in vocabulary:
            if word:
                self._by_initial.setdefault(word[0], []).append(word)

    def position(self, phrase_lemmas: str) -> int | None:
        """Where a lemmatised name is in the index, or None."""
        h = hash(phrase_lemmas)
        at = bisect.bisect_left(self._hashes, h)
        while at < len(self._hashes) and self._hashes[at] == h:
            position = self._by_hash[at]
            if self._phrases[position] == phrase_lemmas:
                return position
            at += 1
        return None

    def phrase(self, position: int) -> str:
        """The lemmatised name at `position`."""
        return self._phrases[position]

    def sku(self, position: int) -> str:
        """The SKU of the product the name at `position` belongs to."""
        return self._skus[self._owner[position]]

    def __len__(self) -> int:
        return len(self._phrases)

    def match(self, phrase_lemmas: str) -> tuple[str, float] | None:
        exact = self.position(phrase_lemmas)
        if exact is not None:
            return self.sku(exact), 100.0
        if len(phrase_lemmas) < 4:  # fuzzy matching on very short strings is mostly noise
            return None
        candidates = self._candidates(phrase_lemmas)
        if not len(candidates):
            return None
        names = [self._phrases[i] for i in candidates.tolist()]
        found = process.extractOne(phrase_lemmas, names, scorer=fuzz.token_sort_ratio,
                                   score_cutoff=self.min_score)
        if found is None:
            return None
        return self.sku(int(candidates[found[2]])), float(found[1])

    def _candidates(self, phrase: str) -> IntArray:
        """Names of a length that can score `min_score` against `phrase` and that hold each of its words
        (or a word one typo away; words of one or two letters may be missing), in catalogue order, so that
        rapidfuzz keeps the first of equal scores as a full scan would."""
        groups: list[list[IntArray]] = []
        for word in set(phrase.split()):
            postings = [self._postings[self._offsets[w]:self._offsets[w + 1]] for w in self._similar_words(word)]
            if postings:
                groups.append(postings)
            elif len(word) > 2:
                return _NO_POSITIONS
        if not groups:
            return _NO_POSITIONS
        groups.sort(key=lambda postings: sum(map(len, postings)))
        first = groups[0]
        ids = first[0] if len(first) == 1 else np.unique(np.concatenate(first))
        # fuzz.ratio is at most 100 * (1 - |a - b| / (a + b)) for strings of lengths a and b.
        slack, n = 1.0 - self.min_score / 100.0, len(phrase)
        lengths = self._lengths[ids]
        ids = ids[(lengths >= n * (1 - slack) / (1 + slack)) & (lengths <= n * (1 + slack) / (1 - slack))]
        for postings in groups[1:]:
            if not len(ids):
                break
            held = np.zeros(len(ids), dtype=bool)
            for sorted_ids in postings:  # each word's postings are in catalogue order
                at = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
                held |= sorted_ids[at] == ids
            ids = ids[held]
        return ids[:self.MAX_CANDIDATES]

    def _similar_words(self, word: str) -> tuple[int, ...]:
        """Catalogue words `word` may stand for: itself, and from four letters words one typo away."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        own = self._word_id.get(word)
        found = [] if own is None else [own]
        if len(word) >= 4:
            near = process.extract(word, self._by_initial.get(word[0], ()), scorer=fuzz.ratio,
                                   score_cutoff=self.WORD_CUTOFF, limit=8)
            found += [self._word_id[w] for w, _score, _i in near if w != word]
        if len(self._word_cache) >= self.WORD_CACHE_SIZE:
            self._word_cache.clear()
        result = self._word_cache[word] = tuple(found)
        return result

    @classmethod
    def from_training_data(cls, data: TrainingData, lookup: str = "product") -> ProductNameIndex:
        """An index from the `product` lookup table, with synonyms of its elements attached."""
        synonyms: dict[str, list[str]] = {}
        for syn in data.synonyms:
            synonyms.setdefault(syn.value, []).extend(syn.examples)
        return cls(CatalogueEntry(name, name, tuple(synonyms.get(name, ()))) for name in data.lookup(lookup))


# ------------------------------------------------------------------------------------- the extractor


@dataclass(frozen=True, slots=True)
class EntityConfig:
    sku_pattern: str = DEFAULT_SKU_PATTERN
    known_cities: tuple[str, ...] = DEFAULT_CITIES
    # Quantities without a unit are only taken when the message has no more than this many numbers;
    # stops phone numbers and prices from becoming quantities.
    max_bare_numbers: int = 2


_STOP_EDGE = frozenset({
    "a", "an", "the", "of", "for", "some", "my", "me", "to", "in", "and", "please", "pls", "with",
    "в", "на", "и", "для", "по", "с", "мне", "нам", "еще", "ещё", "пожалуйста", "плз", "до", "из", "к",
})


@dataclass(slots=True)
class _Candidate:
    entity: str
    start: int
    end: int
    value: object
    confidence: float = 1.0
    extractor: str = "b2bot_rules"
    tokens: tuple[int, ...] = field(default=())


class EntityExtractor:
    """Extract entities from one message. Thread-safe; `products` may be swapped at any time."""

    def __init__(self, data: TrainingData | None = None, config: EntityConfig | None = None,
                 products: ProductResolver | None = None,
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self.config = config or EntityConfig()
        data = data or TrainingData()
        self.products = products
        self._today = today
        self._sku = re.compile(self.config.sku_pattern)
        self._regexes = [(r.name, re.compile(p)) for r in data.regexes for p in r.patterns
                         if r.name not in ("sku",)]
        self._synonyms = data.synonym_map()
        self._units = dict(_UNITS)
        for surface, value in self._synonyms.items():
            if value in set(_UNITS.values()):
                self._units[lemma(surface)] = value
        for unit in data.lookup("unit"):
            self._units.setdefault(lemma(unit), self._synonyms.get(unit.lower(), unit.lower()))
        known = self.config.known_cities
        self._cities: dict[str, str] = {}
        for city in known:
            self._cities[lemmatize_city(city)] = city
        for other, canonical in (*_ENGLISH_CITY_NAMES.items(), *_CITY_NICKNAMES.items()):
            if canonical in known:
                self._cities.setdefault(other, canonical)
        for city in data.lookup("city"):  # extra names from the training data, unless already known
            self._cities.setdefault(lemmatize_city(city), city)
        self._max_city_words = max((k.count(" ") + 1 for k in self._cities), default=1)
        special = {"unit", "city", "product"}
        self._gazetteers: dict[str, str] = {}
        for table in data.lookups:
            if table.name not in special:
                for element in table.elements:
                    self._gazetteers[lemmatize_phrase(element)] = table.name
        # First words of every multi-word key: a window is only joined and looked up when it can match,
        # which keeps these scans to one set lookup per token on most messages.
        self._gazetteer_starts = frozenset(k.split(" ", 1)[0] for k in self._gazetteers)
        self._city_starts = frozenset(k.split(" ", 1)[0] for k in self._cities)

    # -- public
    def extract(self, text: str) -> list[Entity]:
        tokens = tokenize(text)
        candidates: list[_Candidate] = []
        candidates += self._order_numbers(text)
        candidates += self._skus(text)
        candidates += self._dates(text, tokens)
        candidates += self._quantities(text, tokens)
        candidates += self._cities_in(tokens)
        candidates += self._gazetteer(tokens)
        chosen = _resolve(candidates)
        # An empty catalogue (len 0) would only cost window scans that cannot match.
        if self.products is not None and getattr(self.products, "__len__", lambda: 1)() > 0:
            chosen = _resolve(chosen + self._products(tokens, chosen))
        return [
            Entity(c.entity, c.start, c.end, c.value, round(c.confidence, 4), c.extractor)
            for c in sorted(chosen, key=lambda c: c.start)
        ]

    # -- extractors
    def _order_numbers(self, text: str) -> list[_Candidate]:
        out = []
        for pattern in _ORDER_PATTERNS:
            for m in pattern.finditer(text):
                group = 1 if m.groups() else 0
                out.append(_Candidate("order_number", m.start(group), m.end(group), m.group(group).upper()))
        for name, pattern in self._regexes:
            if name == "order_number":
                for m in pattern.finditer(text):
                    group = 1 if m.groups() else 0
                    out.append(_Candidate(name, m.start(group), m.end(group), m.group(group).upper()))
        return out

    def _skus(self, text: str) -> list[_Candidate]:
        return [_Candidate("sku", m.start(), m.end(), m.group(0)) for m in self._sku.finditer(text)]

    def _dates(self, text: str, tokens: list[Token]) -> list[_Candidate]:
        today = self._today()
        out: list[_Candidate] = []
        for m in _NUMERIC_DATE.finditer(text):
            day, month = int(m.group(1)), int(m.group(2))
            year = int(m.group(3)) if m.group(3) else today.year
            year = year + 2000 if year < 100 else year
            try:
                value = dt.date(year, month, day).isoformat()
            except ValueError:
                continue
            out.append(_Candidate("date", m.start(), m.end(), value))
        for i, tok in enumerate(tokens):
            low = tok.lower
            if low in _RELATIVE_DAYS:
                out.append(_Candidate("date", tok.start, tok.end,
                                      (today + dt.timedelta(days=_RELATIVE_DAYS[low])).isoformat()))
            elif low == "day" and i + 2 < len(tokens) and tokens[i + 1].lower == "after" \
                    and tokens[i + 2].lower == "tomorrow":
                out.append(_Candidate("date", tok.start, tokens[i + 2].end,
                                      (today + dt.timedelta(days=2)).isoformat()))
            elif tok.lemma in _WEEKDAYS and (low in _WEEKDAYS or tok.lemma != low):
                ahead = (_WEEKDAYS[tok.lemma] - today.weekday()) % 7 or 7
                out.append(_Candidate("date", tok.start, tok.end,
                                      (today + dt.timedelta(days=ahead)).isoformat()))
            elif tok.lemma in ("week", "неделя") and i > 0 and tokens[i - 1].lemma in ("next", "следующий"):
                out.append(_Candidate("date", tokens[i - 1].start, tok.end, "next_week"))
            elif tok.lemma in _MONTHS and i > 0 and tokens[i - 1].text.isdigit():
                out.append(self._day_month(tokens[i - 1], tok, tokens[i - 1].start, tok.end, today))
            elif tok.lemma in _MONTHS and i + 1 < len(tokens) and re.fullmatch(r"\d{1,2}(st|nd|rd|th)?",
                                                                               tokens[i + 1].lower):
                out.append(self._day_month(tokens[i + 1], tok, tok.start, tokens[i + 1].end, today))
        return [c for c in out if c.value is not None]

    @staticmethod
    def _day_month(day_tok: Token, month_tok: Token, start: int, end: int, today: dt.date) -> _Candidate:
        day = int(re.sub(r"\D", "", day_tok.text))
        try:
            value: str | None = dt.date(today.year, _MONTHS[month_tok.lemma], day).isoformat()
        except ValueError:
            value = None
        return _Candidate("date", start, end, value)

    def _unit_at(self, tokens: list[Token], i: int, after_number: bool) -> str | None:
        if i >= len(tokens):
            return None
        tok = tokens[i]
        if tok.lower in _SHORT_UNITS and not after_number:
            return None
        return self._units.get(tok.lower) or self._units.get(tok.lemma)

    def _quantities(self, text: str, tokens: list[Token]) -> list[_Candidate]:
        out: list[_Candidate] = []
        for m in _GLUED_QUANTITY.finditer(text):  # "5кг", "10шт"
            out.append(_Candidate("quantity", m.start(1), m.end(1), _number(m.group(1))))
            unit = self._units.get(m.group(2).lower())
            if unit:
                out.append(_Candidate("unit", m.start(2), m.end(2), unit))
        numbers = [i for i, t in enumerate(tokens) if _DECIMAL.fullmatch(t.text)]
        bare_ok = len(numbers) <= self.config.max_bare_numbers
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            value: float | int | None = None
            used = 0
            if _DECIMAL.fullmatch(tok.text):
                value, used = _number(tok.text), 1
            elif is_number_word(tok):
                parsed = parse_number_words(tokens[i:])
                if parsed is not None:
                    value, used = parsed
            if value is None or used == 0:
                i += 1
                continue
            end_tok = tokens[i + used - 1]
            unit = self._unit_at(tokens, i + used, after_number=True)
            # A bare "one" is rarely a quantity ("this one", "one more question").
            lone_one = tok.lower in ("one", "a") and unit is None
            if (unit is not None or bare_ok or is_number_word(tok)) and not lone_one:
                out.append(_Candidate("quantity", tok.start, end_tok.end, value))
            if unit is not None:
                unit_tok = tokens[i + used]
                out.append(_Candidate("unit", unit_tok.start, unit_tok.end, unit))
                used += 1
            i += used
        # A unit word without a number ("a box of pens", "коробку ручек") is still a unit.
        taken = {(c.start, c.end) for c in out}
        for j, tok in enumerate(tokens):
            unit = self._unit_at(tokens, j, after_number=False)
            if unit is not None and (tok.start, tok.end) not in taken and len(tok.text) > 2:
                out.append(_Candidate("unit", tok.start, tok.end, unit, confidence=0.8))
        return out

    def _cities_in(self, tokens: list[Token]) -> list[_Candidate]:
        out: list[_Candidate] = []
        starts = self._city_starts
        for i in range(len(tokens)):
            first = tokens[i]
            low = first.lower
            if low not in starts and not any(k in starts for k in city_lemmas(first.text)):
                continue
            for n in range(min(self._max_city_words, len(tokens) - i), 0, -1):
                window = tokens[i:i + n]
                if n == 1:
                    keys = city_lemmas(window[0].text)
                else:
                    # Multi-word names inflect every word ("Нижнего Новгорода"); try the first reading each.
                    keys = (" ".join(city_lemmas(t.text)[0] for t in window),
                            " ".join(t.lower for t in window))
                hit = next((self._cities[k] for k in keys if k in self._cities), None)
                if hit is not None:
                    out.append(_Candidate("city", window[0].start, window[-1].end, hit))
                    break
        return out

    def _gazetteer(self, tokens: list[Token]) -> list[_Candidate]:
        out: list[_Candidate] = []
        starts = self._gazetteer_starts
        for i in range(len(tokens)):
            if tokens[i].lemma not in starts:
                continue
            for n in range(min(4, len(tokens) - i), 0, -1):
                key = " ".join(t.lemma for t in tokens[i:i + n])
                name = self._gazetteers.get(key)
                if name is not None:
                    surface = " ".join(t.lower for t in tokens[i:i + n])
                    value = self._synonyms.get(surface, surface)
                    out.append(_Candidate(name, tokens[i].start, tokens[i + n - 1].end, value))
                    break
        return out

    def _products(self, tokens: list[Token], taken: list[_Candidate]) -> list[_Candidate]:
        assert self.products is not None
        blocked = [(c.start, c.end) for c in taken if c.entity != "product"]

        def free(tok: Token) -> bool:
            return not any(s < tok.end and tok.start < e for s, e in blocked)

        max_words = getattr(self.products, "max_words", 4) or 4
        out: list[_Candidate] = []
        i = 0
        while i < len(tokens):
            best: _Candidate | None = None
            for n in range(min(max_words + 1, len(tokens) - i), 0, -1):
                window = tokens[i:i + n]
                if window[0].lower in _STOP_EDGE or window[-1].lower in _STOP_EDGE:
                    continue
                if not all(free(t) for t in window) or window[0].text.isdigit():
                    continue
                found = self.products.match(" ".join(t.lemma for t in window))
                if found is not None:
                    sku, score = found
                    best = _Candidate("product", window[0].start, window[-1].end, sku, score / 100.0,
                                      "b2bot_catalogue")
                    break
            if best is not None:
                out.append(best)
                i = next(k for k, t in enumerate(tokens) if t.end == best.end) + 1
            else:
                i += 1
        return out


def lemmatize_city(name: str) -> str:
    words = name.replace("ё", "е").lower().split()
    return " ".join(city_lemmas(w)[0] if len(words) > 1 else w for w in words)


def _number(text: str) -> int | float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    chosen: list[_Candidate] = []
    ordered = sorted(candidates, key=lambda c: (_PRIORITY.get(c.entity, 6), -(c.end - c.start), c.start))
    for cand in ordered:
        if all(cand.end <= c.start or c.end <= cand.start for c in chosen):
            chosen.append(cand)
    return chosen
