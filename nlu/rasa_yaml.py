"""Reading and writing Rasa NLU training data (YAML format 3.x).

Supports `nlu:` items of kind `intent`, `synonym`, `lookup` and `regex`, and the three entity annotation
forms `[text](entity)`, `[text](entity:value)` and `[text]{"entity": ..., "value": ..., "role": ...}`.
Files written here load unchanged in Rasa and the other way round.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "EntityAnnotation",
    "Example",
    "LookupTable",
    "RasaYamlError",
    "RegexFeature",
    "Synonym",
    "TrainingData",
    "dump_training_data",
    "load_training_data",
    "parse_annotated_text",
    "parse_training_data",
]

# The same pattern Rasa uses: [text] followed by (entity[:value]) or a JSON {...} dict.
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\]"
    r"(?:\((?P<entity>[^:)]+?)(?::(?P<value>[^)]+))?\)|(?P<dict>\{[^}]+?\}))"
)
_ALLOWED_DICT_KEYS = frozenset({"entity", "value", "role", "group"})
_ITEM_KINDS = ("intent", "synonym", "lookup", "regex")


class RasaYamlError(ValueError):
    """A training data file that is not valid Rasa NLU YAML; the message names the line and the item."""

    def __init__(self, message: str, *, source: str = "<string>", line: int | None = None,
                 item: str | None = None) -> None:
        where = source if line is None else f"{source}:{line}"
        what = f" (in {item})" if item else ""
        super().__init__(f"{where}: {message}{what}")
        self.source = source
        self.line = line
        self.item = item


@dataclass(frozen=True, slots=True)
class EntityAnnotation:
    entity: str
    start: int
    end: int
    value: str
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One training utterance with annotations stripped from `text` and kept as character spans."""

    text: str
    intent: str
    entities: tuple[EntityAnnotation, ...] = ()

    def entity_text(self, annotation: EntityAnnotation) -> str:
        return self.text[annotation.start:annotation.end]


@dataclass(frozen=True, slots=True)
class Synonym:
    value: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LookupTable:
    name: str
    elements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RegexFeature:
    name: str
    patterns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrainingData:
    examples: tuple[Example, ...] = ()
    synonyms: tuple[Synonym, ...] = ()
    lookups: tuple[LookupTable, ...] = ()
    regexes: tuple[RegexFeature, ...] = ()
    version: str = "3.1"
    _fingerprint: list[str] = field(default_factory=list, compare=False, repr=False)

    @property
    def intents(self) -> list[str]:
        return sorted({e.intent for e in self.examples})

    def examples_by_intent(self) -> dict[str, list[Example]]:
        out: dict[str, list[Example]] = {}
        for ex in self.examples:
            out.setdefault(ex.intent, []).append(ex)
        return out

    def synonym_map(self) -> dict[str, str]:
        """Lower-cased surface text -> canonical value, from `synonym:` items and `[x](entity:value)`."""
        out: dict[str, str] = {}
        for ex in self.examples:
            for ann in ex.entities:
                surface = ex.entity_text(ann)
                if surface != ann.value:
                    out[surface.lower()] = ann.value
        for syn in self.synonyms:
            for text in syn.examples:
                out[text.lower()] = syn.value
        return out

    def lookup(self, name: str) -> tuple[str, ...]:
        return tuple(el for table in self.lookups if table.name == name for el in table.elements)

    def regex(self, name: str) -> tuple[str, ...]:
        return tuple(p for r in self.regexes if r.name == name for p in r.patterns)

    def merge(self, other: TrainingData) -> TrainingData:
        return TrainingData(
            examples=self.examples + other.examples,
            synonyms=self.synonyms + other.synonyms,
            lookups=self.lookups + other.lookups,
            regexes=self.regexes + other.regexes,
            version=self.version,
        )

    def fingerprint(self) -> str:
        """A stable hash of the content, used to key the model cache."""
        if not self._fingerprint:  # frozen dataclass: memoise through a mutable slot
            self._fingerprint.append(hashlib.sha256(dump_training_data(self).encode()).hexdigest())
        return self._fingerprint[0]


# --------------------------------------------------------------------------------------------- reading


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 booleans, so `intent: yes` stays the string "yes" as in Rasa."""


_Yaml12Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_training_data(paths: str | Path | Iterable[str | Path]) -> TrainingData:
    """Load one file, a directory of `*.yml` files, or several of either, merged."""
    if isinstance(paths, str | Path):
        paths = [paths]
    merged = TrainingData()
    for raw in paths:
        path = Path(raw)
        files = sorted([*path.glob("*.yml"), *path.glob("*.yaml")]) if path.is_dir() else [path]
        for file in files:
            merged = merged.merge(parse_training_data(file.read_text(encoding="utf-8"), source=str(file)))
    return merged


def parse_training_data(text: str, *, source: str = "<string>") -> TrainingData:
    try:
        root = yaml.compose(text, Loader=_Yaml12Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RasaYamlError(f"invalid YAML: {getattr(exc, 'problem', exc)}", source=source, line=line) from exc
    if root is None:
        return TrainingData()
    if not isinstance(root, yaml.MappingNode):
        raise RasaYamlError("top level must be a mapping with an `nlu:` key", source=source, line=1)
    top = _mapping(root, source, None)
    version = _scalar(top["version"][1], source, None) if "version" in top else "3.1"
    if "nlu" not in top:
        return TrainingData(version=version)
    nlu_node = top["nlu"][1]
    if not isinstance(nlu_node, yaml.SequenceNode):
        raise RasaYamlError("`nlu:` must be a list of items", source=source, line=_line(nlu_node))

    examples: list[Example] = []
    synonyms: list[Synonym] = []
    lookups: list[LookupTable] = []
    regexes: list[RegexFeature] = []
    for item_node in nlu_node.value:
        if not isinstance(item_node, yaml.MappingNode):
            raise RasaYamlError("each `nlu:` item must be a mapping", source=source, line=_line(item_node))
        item = _mapping(item_node, source, None)
        kinds = [k for k in _ITEM_KINDS if k in item]
        if len(kinds) != 1:
            raise RasaYamlError(f"an item needs exactly one of {', '.join(_ITEM_KINDS)}; found {kinds or 'none'}",
                                source=source, line=_line(item_node))
        kind = kinds[0]
        name = _scalar(item[kind][1], source, kind)
        label = f"{kind} {name!r}"
        unknown = set(item) - {kind, "examples", "metadata"}
        if unknown:
            raise RasaYamlError(f"unknown keys {sorted(unknown)}", source=source, line=_line(item_node), item=label)
        if "examples" not in item:
            raise RasaYamlError("missing `examples:`", source=source, line=_line(item_node), item=label)
        lines = list(_example_lines(item["examples"][1], source, label))
        if kind == "intent":
            for line_no, raw in lines:
                try:
                    text, entities = parse_annotated_text(raw)
                except ValueError as exc:
                    raise RasaYamlError(str(exc), source=source, line=line_no, item=label) from exc
                examples.append(Example(text=text, intent=name, entities=entities))
        elif kind == "synonym":
            synonyms.append(Synonym(value=name, examples=tuple(t for _, t in lines)))
        elif kind == "lookup":
            lookups.append(LookupTable(name=name, elements=tuple(t for _, t in lines)))
        else:
            for line_no, pattern in lines:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise RasaYamlError(f"bad regular expression {pattern!r}: {exc}", source=source,
                                        line=line_no, item=label) from exc
            regexes.append(RegexFeature(name=name, patterns=tuple(t for _, t in lines)))
    return TrainingData(tuple(examples), tuple(synonyms), tuple(lookups), tuple(regexes), version=version)


def parse_annotated_text(annotated: str) -> tuple[str, tuple[EntityAnnotation, ...]]:
    """Strip `[text](entity)`-style annotations; return the plain text and the entity spans."""
    plain: list[str] = []
    entities: list[EntityAnnotation] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(annotated):
        before = annotated[cursor:match.start()]
        plain.append(before)
        length += len(before)
        surface = match.group("text")
        if match.group("dict") is not None:
            try:
                spec = json.loads(match.group("dict"))
            except json.JSONDecodeError as exc:
                raise ValueError(f"entity annotation {match.group('dict')!r} is not valid JSON") from exc
            if not isinstance(spec, dict) or "entity" not in spec:
                raise ValueError(f"entity annotation {match.group('dict')!r} needs an \"entity\" key")
            unknown = set(spec) - _ALLOWED_DICT_KEYS
            if unknown:
                raise ValueError(f"entity annotation has unknown keys {sorted(unknown)}")
            entity = str(spec["entity"])
            value = str(spec.get("value", surface))
            role = None if spec.get("role") is None else str(spec["role"])
            group = None if spec.get("group") is None else str(spec["group"])
        else:
            entity = match.group("entity").strip()
            value = (match.group("value") or surface).strip()
            role = group = None
        if not entity:
            raise ValueError(f"empty entity name in {match.group(0)!r}")
        entities.append(EntityAnnotation(entity, length, length + len(surface), value, role, group))
        plain.append(surface)
        length += len(surface)
        cursor = match.end()
    plain.append(annotated[cursor:])
    text = "".join(plain)
    if "](" in text or re.search(r"\]\{", text):
        raise ValueError(f"malformed entity annotation in {annotated!r}")
    return text, tuple(entities)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _mapping(node: yaml.MappingNode, source: str, item: str | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key_node, value_node in node.value:
        out[_scalar(key_node, source, item)] = (key_node, value_node)
    return out


def _scalar(node: yaml.Node, source: str, item: str | None) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise RasaYamlError("expected a non-empty text value", source=source, line=_line(node), item=item)
    return str(node.value).strip()


def _example_lines(node: yaml.Node, source: str, item: str) -> Iterator[tuple[int, str]]:
    """Yield (line number, text) for each `- text` line of an `examples: |` block (or a YAML list)."""
    if isinstance(node, yaml.SequenceNode):  # Rasa also accepts `examples:` as a list of {text: ...}
        for child in node.value:
            if isinstance(child, yaml.MappingNode):
                fields = _mapping(child, source, item)
                if "text" not in fields:
                    raise RasaYamlError("list example needs `text:`", source=source, line=_line(child), item=item)
                yield _line(child), _scalar(fields["text"][1], source, item)
            else:
                yield _line(child), _scalar(child, source, item)
        return
    if not isinstance(node, yaml.ScalarNode):
        raise RasaYamlError("`examples:` must be a `|` block of `- text` lines", source=source,
                            line=_line(node), item=item)
    # A `|` block's content starts on the line after the key.
    first = _line(node) + (1 if node.style in ("|", ">") else 0)
    for offset, raw in enumerate(str(node.value).splitlines()):
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("-"):
            raise RasaYamlError(f"example line must start with '- ': {stripped!r}", source=source,
                                line=first + offset, item=item)
        text = stripped[1:].strip()
        if not text:
            raise RasaYamlError("empty example", source=source, line=first + offset, item=item)
        yield first + offset, text


# --------------------------------------------------------------------------------------------- writing


def annotate(example: Example) -> str:
    """The example's text with its entities written back in Rasa's inline annotation syntax."""
    parts: list[str] = []
    cursor = 0
    for ann in sorted(example.entities, key=lambda a: a.start):
        surface = example.text[ann.start:ann.end]
        parts.append(example.text[cursor:ann.start])
        if ann.role is None and ann.group is None and ann.value == surface:
            parts.append(f"[{surface}]({ann.entity})")
        elif ann.role is None and ann.group is None and not set(ann.value) & set(":()[]{}"):
            parts.append(f"[{surface}]({ann.entity}:{ann.value})")
        else:
            spec: dict[str, str] = {"entity": ann.entity}
            if ann.value != surface:
                spec["value"] = ann.value
            if ann.role is not None:
                spec["role"] = ann.role
            if ann.group is not None:
                spec["group"] = ann.group
            parts.append(f"[{surface}]{json.dumps(spec, ensure_ascii=False)}")
        cursor = ann.end
    parts.append(example.text[cursor:])
    return "".join(parts)


def _quote(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar; plain words stay unquoted for readability.
    if re.fullmatch(r"[\w][\w .\-/]*", value) and value.lower() not in ("yes", "no", "true", "false", "null"):
        return value
    return json.dumps(value, ensure_ascii=False)


def _block(lines: Iterable[str]) -> list[str]:
    return ["  examples: |", *(f"    - {line}" for line in lines)]


def dump_training_data(data: TrainingData) -> str:
    out = [f'version: "{data.version}"', "nlu:"]
    for intent, examples in _grouped(data.examples):
        out.append(f"- intent: {_quote(intent)}")
        out.extend(_block(annotate(e) for e in examples))
    for syn in data.synonyms:
        out.append(f"- synonym: {_quote(syn.value)}")
        out.extend(_block(syn.examples))
    for table in data.lookups:
        out.append(f"- lookup: {_quote(table.name)}")
        out.extend(_block(table.elements))
    for rx in data.regexes:
        out.append(f"- regex: {_quote(rx.name)}")
        out.extend(_block(rx.patterns))
    return "\n".join(out) + "\n"


def _grouped(examples: Iterable[Example]) -> list[tuple[str, list[Example]]]:
    groups: dict[str, list[Example]] = {}
    for ex in examples:  # keeps first-seen intent order, so a round trip does not reshuffle the file
        groups.setdefault(ex.intent, []).append(ex)
    return list(groups.items())


def training_data_from_pairs(pairs: Mapping[str, Iterable[str]]) -> TrainingData:
    """Build training data from {intent: [annotated text, ...]} (handy for tests and tools)."""
    examples = []
    for intent, texts in pairs.items():
        for raw in texts:
            text, entities = parse_annotated_text(raw)
            examples.append(Example(text, intent, entities))
    return TrainingData(examples=tuple(examples))
