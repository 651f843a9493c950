"""The validation splits settings are chosen on: no held-out example is trained on, each is held out once."""

from __future__ import annotations

from collections import Counter

from nlu.evaluate import cross_validation_splits, held_out_split
from nlu.rasa_yaml import training_data_from_pairs

DATA = training_data_from_pairs({
    "greet": ["hi", "hello", "hey", "good morning", "good evening", "hi there", "hello there"],
    "bye": ["bye", "see you", "goodbye", "ciao", "farewell"],
    "thanks": ["thanks", "thank you"],
})


def test_cross_validation_holds_out_every_example_exactly_once_and_never_trains_on_it() -> None:
    splits = cross_validation_splits(DATA, folds=5)
    assert len(splits) == 5
    held_out = Counter(e.text for _, fold in splits for e in fold.examples)
    assert held_out == Counter(e.text for e in DATA.examples)
    for train, fold in splits:
        assert not {e.text for e in train.examples} & {e.text for e in fold.examples}
        assert len(train.examples) + len(fold.examples) == len(DATA.examples)


def test_cross_validation_folds_are_stratified_by_intent() -> None:
    for _, fold in cross_validation_splits(DATA, folds=5):
        assert Counter(e.intent for e in fold.examples)["greet"] in (1, 2)
        assert Counter(e.intent for e in fold.examples)["bye"] == 1


def test_held_out_split_leaves_out_every_text_of_the_subsample() -> None:
    draw = training_data_from_pairs({"greet": ["hi", "hello"], "bye": ["bye"]})
    train, held_out = held_out_split(draw, DATA)
    assert train is draw
    assert {e.text for e in held_out.examples} == {e.text for e in DATA.examples} - {"hi", "hello", "bye"}
