"""Rasa NLU YAML: annotation forms, synonyms/lookups/regexes, errors with line numbers, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.backends import DATA_DIR
from nlu.rasa_yaml import (
    RasaYamlError,
    dump_training_data,
    load_training_data,
    parse_annotated_text,
    parse_training_data,
)

SAMPLE = """\
version: "3.1"
nlu:
- intent: add_to_cart
  examples: |
    - add [10](quantity) [boxes](unit:box) of [PAP-A4-80](sku)
    - ship to [Казани]{"entity": "city", "value": "Казань", "role": "destination", "group": "1"}
- intent: yes
  examples: |
    - yes please
- synonym: box
  examples: |
    - коробки
    - cartons
- lookup: city
  examples: |
    - Казань
    - Москва
- regex: sku
  examples: |
    - \\b[A-Z]{2,4}-\\d+\\b
"""


def test_plain_annotation_keeps_surface_text_as_value() -> None:
    text, entities = parse_annotated_text("add [10](quantity) please")
    assert text == "add 10 please"
    assert (entities[0].entity, entities[0].start, entities[0].end, entities[0].value) == ("quantity", 4, 6, "10")


def test_entity_value_annotation_sets_canonical_value() -> None:
    text, entities = parse_annotated_text("two [boxes](unit:box)")
    assert text == "two boxes"
    assert text[entities[0].start:entities[0].end] == "boxes"
    assert entities[0].value == "box"


def test_json_annotation_reads_value_role_and_group() -> None:
    data = parse_training_data(SAMPLE)
    city = data.examples[1].entities[0]
    assert data.examples[1].text == "ship to Казани"
    assert (city.entity, city.value, city.role, city.group) == ("city", "Казань", "destination", "1")
    assert data.examples[1].entity_text(city) == "Казани"


def test_intent_named_yes_stays_a_string() -> None:
    assert "yes" in parse_training_data(SAMPLE).intents


def test_synonyms_lookups_and_regexes_are_loaded() -> None:
    data = parse_training_data(SAMPLE)
    assert data.synonym_map()["коробки"] == "box"
    assert data.synonym_map()["казани"] == "Казань"  # implicit synonym from an annotation
    assert data.lookup("city") == ("Казань", "Москва")
    assert data.regex("sku") == (r"\b[A-Z]{2,4}-\d+\b",)


def test_written_file_loads_back_identical() -> None:
    data = parse_training_data(SAMPLE)
    assert parse_training_data(dump_training_data(data)) == data


def test_shipped_domain_data_round_trips() -> None:
    data = load_training_data(DATA_DIR / "ru" / "nlu.yml")
    assert parse_training_data(dump_training_data(data)) == data


def test_example_line_without_dash_names_the_line_and_intent() -> None:
    bad = 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n'
    with pytest.raises(RasaYamlError) as err:
        parse_training_data(bad, source="bad.yml")
    assert err.value.line == 6
    assert "greet" in str(err.value)
    assert "bad.yml:6" in str(err.value)


def test_broken_json_annotation_is_rejected() -> None:
    bad = 'nlu:\n- intent: order\n  examples: |\n    - ship to [Kazan]{"entity": city}\n'
    with pytest.raises(RasaYamlError, match="not valid JSON"):
        parse_training_data(bad)


def test_item_with_two_kinds_is_rejected() -> None:
    bad = "nlu:\n- intent: a\n  synonym: b\n  examples: |\n    - x\n"
    with pytest.raises(RasaYamlError, match="exactly one"):
        parse_training_data(bad)


def test_invalid_yaml_is_a_value_error_with_line() -> None:
    with pytest.raises(ValueError, match=r"<string>:\d+"):
        parse_training_data("nlu:\n- intent: [unclosed\n")


def test_invalid_regex_is_rejected() -> None:
    with pytest.raises(RasaYamlError, match="regular expression"):
        parse_training_data("nlu:\n- regex: sku\n  examples: |\n    - ([A-Z\n")


def test_directory_loads_every_yml_file(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("nlu:\n- intent: a\n  examples: |\n    - one\n", encoding="utf-8")
    (tmp_path / "b.yml").write_text("nlu:\n- intent: b\n  examples: |\n    - two\n", encoding="utf-8")
    assert load_training_data(tmp_path).intents == ["a", "b"]
