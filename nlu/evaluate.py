"""Evaluate a backend on any Rasa-format train/test pair: accuracy, out-of-scope recall, entity F1, speed.

Metrics: in-scope accuracy counts a fallback as an error; out-of-scope recall counts `out_of_scope` or
`nlu_fallback` on an `out_of_scope` test example as recalled; entities match on (entity, start, end).
Latency is measured one message at a time, as the bot sees them.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nlu.classifier import ClassifierConfig, load_or_train
from nlu.entities import EntityConfig, EntityExtractor, ProductNameIndex
from nlu.rasa_yaml import TrainingData, load_training_data
from nlu.types import FALLBACK_INTENT, OUT_OF_SCOPE_INTENT


@dataclass(frozen=True, slots=True)
class EvalReport:
    train_path: str
    test_path: str
    n_in_scope: int
    n_out_of_scope: int
    intent_accuracy: float
    intent_macro_f1: float  # over the in-scope intents of the test file
    oos_recall: float | None
    entity_precision: float | None
    entity_recall: float | None
    entity_f1: float | None
    latency_p50_ms: float
    latency_p99_ms: float
    parses_per_second: float
    train_seconds: float
    from_cache: bool
    # Share of messages the cascade sent on to the sentence encoder (the slow stage).
    encoder_share: float = 0.0
    # Parses per second of this thread's CPU time: on a shared machine, wall time also counts the time
    # other processes held the core.
    cpu_parses_per_second: float = 0.0
    errors: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def evaluate(train: str | Path | Sequence[str | Path], test: str | Path, cache_dir: Path | str | None = None,
             config: ClassifierConfig | None = None, entity_config: EntityConfig | None = None,
             with_entities: bool = True) -> EvalReport:
    train_data = load_training_data(train if isinstance(train, str | Path) else list(train))
    return evaluate_data(train_data, load_training_data(test), cache_dir, config, entity_config, with_entities,
                         train_name=str(train), test_name=str(test))


def evaluate_data(train_data: TrainingData, test_data: TrainingData, cache_dir: Path | str | None = None,
                  config: ClassifierConfig | None = None, entity_config: EntityConfig | None = None,
                  with_entities: bool = True, train_name: str = "train", test_name: str = "test") -> EvalReport:
    """`evaluate` on data already loaded (say, a validation split of a training file)."""
    loaded = load_or_train(train_data, cache_dir, config)
    classifier = loaded.classifier
    extractor = _extractor(train_data, entity_config) if with_entities else None
    classifier.encoder.encode(["warm-up"])  # first call pays one-off allocation costs

    correct = n_in = recalled = n_oos = 0
    tp = fp = fn = 0
    has_entities = any(e.entities for e in test_data.examples)
    latencies: list[float] = []
    encoded = 0
    errors: list[tuple[str, str, str]] = []
    gold_intents: list[str] = []
    predicted_intents: list[str] = []
    cpu_started = time.thread_time()
    for example in test_data.examples:
        started = time.perf_counter()
        prediction = classifier.predict(example.text)
        found = extractor.extract(example.text) if extractor is not None else []
        latencies.append(time.perf_counter() - started)
        predicted = prediction.top.name
        gold_intents.append(example.intent)
        predicted_intents.append(predicted)
        encoded += prediction.used_embedding
        if example.intent == OUT_OF_SCOPE_INTENT:
            n_oos += 1
            recalled += predicted in (OUT_OF_SCOPE_INTENT, FALLBACK_INTENT)
        else:
            n_in += 1
            correct += predicted == example.intent
            if predicted != example.intent:
                errors.append((example.text, example.intent, predicted))
        if extractor is not None and has_entities:
            gold = {(a.entity, a.start, a.end) for a in example.entities}
            got = {(e.entity, e.start, e.end) for e in found}
            tp += len(gold & got)
            fp += len(got - gold)
            fn += len(gold - got)
    precision = recall = f1 = None
    if extractor is not None and has_entities:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    cpu_seconds = time.thread_time() - cpu_started
    total = sum(latencies)
    return EvalReport(
        train_path=train_name, test_path=test_name, n_in_scope=n_in, n_out_of_scope=n_oos,
        intent_accuracy=correct / n_in if n_in else 0.0,
        intent_macro_f1=macro_f1(gold_intents, predicted_intents),
        oos_recall=recalled / n_oos if n_oos else None,
        entity_precision=precision, entity_recall=recall, entity_f1=f1,
        latency_p50_ms=_percentile(latencies, 50) * 1000, latency_p99_ms=_percentile(latencies, 99) * 1000,
        parses_per_second=len(latencies) / total if total else 0.0,
        train_seconds=loaded.seconds, from_cache=loaded.from_cache,
        encoder_share=encoded / len(latencies) if latencies else 0.0,
        cpu_parses_per_second=len(latencies) / cpu_seconds if cpu_seconds else 0.0, errors=tuple(errors),
    )


def held_out_split(train: TrainingData, pool: TrainingData) -> tuple[TrainingData, TrainingData]:
    """(`train`, the examples of `pool` whose text is not in `train`): a validation set for a subsample."""
    seen = {e.text for e in train.examples}
    return train, TrainingData(examples=tuple(e for e in pool.examples if e.text not in seen))


def cross_validation_splits(data: TrainingData, folds: int = 5) -> list[tuple[TrainingData, TrainingData]]:
    """Stratified (train, held-out) folds: the i-th example of each intent is held out in fold i mod `folds`."""
    fold_of: dict[int, int] = {}
    for examples in data.examples_by_intent().values():
        fold_of.update({id(e): i % folds for i, e in enumerate(examples)})
    return [(dataclasses.replace(data, examples=tuple(e for e in data.examples if fold_of[id(e)] != k)),
             TrainingData(examples=tuple(e for e in data.examples if fold_of[id(e)] == k)))
            for k in range(folds)]


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """The mean F1 of the in-scope intents the test file has (out-of-scope answers count as misses)."""
    labels = {g for g in gold if g != OUT_OF_SCOPE_INTENT}
    if not labels:
        return 0.0
    # Per intent F1 = 2TP / (2TP + FP + FN), the same figure as scikit-learn's (not imported to serve).
    hits = Counter(g for g, p in zip(gold, predicted, strict=True) if g == p)
    gold_count, predicted_count = Counter(gold), Counter(predicted)
    return statistics.fmean(2 * hits[label] / (gold_count[label] + predicted_count[label]) for label in labels)


def _extractor(data: TrainingData, config: EntityConfig | None) -> EntityExtractor:
    return EntityExtractor(data, config, ProductNameIndex.from_training_data(data))


def mean_report(reports: Sequence[EvalReport]) -> dict[str, float | None]:
    def avg(name: str) -> float | None:
        values = [getattr(r, name) for r in reports if getattr(r, name) is not None]
        return statistics.fmean(values) if values else None

    return {name: avg(name) for name in _COLUMNS}


_COLUMNS = ("intent_accuracy", "intent_macro_f1", "oos_recall", "entity_precision", "entity_recall", "entity_f1",
            "latency_p50_ms", "latency_p99_ms", "parses_per_second", "train_seconds", "encoder_share")


def format_table(reports: Sequence[EvalReport]) -> str:
    header = ["train", "accuracy", "macro F1", "oos recall", "entity P", "entity R", "entity F1", "p50 ms",
              "p99 ms", "parses/s", "train s", "encoded"]
    rows = [[Path(r.train_path).name, *(_fmt(getattr(r, c)) for c in _COLUMNS)] for r in reports]
    if len(reports) > 1:
        rows.append(["mean", *(_fmt(v) for v in mean_report(reports).values())])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)) for row in [header, *rows]]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value <= 1.0:
        return f"{value:.4f}"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def report_json(reports: Sequence[EvalReport]) -> dict[str, object]:
    """The reports (and their mean, with several) as plain data; the misclassified examples are counted."""
    def plain(report: EvalReport) -> dict[str, object]:
        data = {k: v for k, v in dataclasses.asdict(report).items() if k != "errors"}
        data["errors"] = len(report.errors)
        return data

    out: dict[str, object] = {"reports": [plain(r) for r in reports]}
    if len(reports) > 1:
        out["mean"] = mean_report(reports)
    return out
