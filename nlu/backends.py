"""NLU backends: the embedded one (in-process, milliseconds) and a Rasa server over HTTP.

Both answer `parse(text, locale)` with a `ParseResult` in Rasa's `/model/parse` JSON shape.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import httpx

from nlu.classifier import DEFAULT_CACHE_DIR, ClassifierConfig, IntentClassifier, load_or_train
from nlu.entities import EntityConfig, EntityExtractor, ProductNameIndex, ProductResolver
from nlu.rasa_yaml import TrainingData, load_training_data
from nlu.script import detect_locale, written_in
from nlu.types import ParseResult

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"


@runtime_checkable
class NluBackend(Protocol):
    async def parse(self, text: str, locale: str | None = None) -> ParseResult: ...


@dataclass(slots=True)
class LocaleModel:
    classifier: IntentClassifier
    extractor: EntityExtractor
    training_data: TrainingData


class EmbeddedBackend:
    """In-process NLU: one classifier and one entity extractor per locale.

    Build with `EmbeddedBackend.from_data_dir(...)` once at start-up (trains or loads from the cache),
    then call `parse` (async) or `parse_sync` per message.
    """

    def __init__(self, models: Mapping[str, LocaleModel], default_locale: str = "ru") -> None:
        if not models:
            raise ValueError("EmbeddedBackend needs at least one locale model")
        self.models = dict(models)
        self.default_locale = default_locale if default_locale in self.models else next(iter(self.models))

    @classmethod
    def from_data_dir(
        cls,
        data_dir: Path | str = DATA_DIR,
        cache_dir: Path | str | None = DEFAULT_CACHE_DIR,
        locales: Sequence[str] = ("en", "ru"),
        products: ProductResolver | None = None,
        entity_config: EntityConfig | None = None,
        classifier_config: ClassifierConfig | None = None,
        default_locale: str = "ru",
        train_apart: bool = False,
    ) -> EmbeddedBackend:
        """Load `{data_dir}/{locale}/nlu.yml` for each locale; models are cached under `cache_dir`.

        `products` resolves product names against the live catalogue (see `set_products`); without it,
        the `product` lookup table of the training data is used. `train_apart`: a model missing from the cache
        is trained in a child process (see `load_or_train`).
        """
        models: dict[str, LocaleModel] = {}
        for locale in locales:
            data = load_training_data(Path(data_dir) / locale / "nlu.yml")
            loaded = load_or_train(data, cache_dir, classifier_config, train_apart=train_apart)
            resolver = products if products is not None else ProductNameIndex.from_training_data(data)
            models[locale] = LocaleModel(loaded.classifier, EntityExtractor(data, entity_config, resolver), data)
        return cls(models, default_locale)

    def set_products(self, products: ProductResolver) -> None:
        """Swap in a rebuilt catalogue index (call after the catalogue changes)."""
        for model in self.models.values():
            model.extractor.products = products

    def locale_for(self, text: str, locale: str | None) -> str:
        """The model for the message's own script when its words are plainly one language's (a Russian message
        in an English conversation is read by the Russian model); otherwise the conversation's `locale`; with
        neither, the script's majority."""
        written = written_in(text)
        if written in self.models:
            return written
        if locale is not None:
            short = locale.split("-")[0].split("_")[0].lower()
            if short in self.models:
                return short
        return detect_locale(text, list(self.models), self.default_locale)

    def parse_sync(self, text: str, locale: str | None = None) -> ParseResult:
        model = self.models[self.locale_for(text, locale)]
        prediction = model.classifier.predict(text)
        return ParseResult(
            text=text,
            intent=prediction.top,
            entities=tuple(model.extractor.extract(text)),
            intent_ranking=prediction.ranking,
        )

    async def parse(self, text: str, locale: str | None = None) -> ParseResult:
        # A parse is 0.3-3 ms of CPU; handing it to a thread would cost more than it saves.
        return self.parse_sync(text, locale)


class RasaHttpBackend:
    """A Rasa server's `POST /model/parse`, with the embedded backend as the fallback on any failure."""

    def __init__(self, base_url: str, fallback: NluBackend, timeout: float = 1.0,
                 client: httpx.AsyncClient | None = None) -> None:
        self.url = base_url.rstrip("/") + "/model/parse"
        self.fallback = fallback
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout

    async def parse(self, text: str, locale: str | None = None) -> ParseResult:
        try:
            response = await self._client.post(self.url, json={"text": text}, timeout=self._timeout)
            response.raise_for_status()
            return ParseResult.from_dict(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            # Understanding must not go down with the Rasa server; the embedded model is good enough.
            log.warning("Rasa parse failed (%s); using the embedded backend", exc.__class__.__name__)
            return await self.fallback.parse(text, locale)

    async def aclose(self) -> None:
        await self._client.aclose()
