"""`b2bot nlu eval`: the table and `--json` carry every figure, and the figures follow the predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from b2bot.nlu_cli import nlu_app
from nlu.evaluate import macro_f1
from nlu.rasa_yaml import dump_training_data, training_data_from_pairs

TRAIN = {
    "greet": ["hi", "hello there", "good morning", "hey", "hello", "hi there"],
    "balance": ["what is my balance", "how much do we owe", "show my balance", "account balance",
                "balance please", "our debt"],
    "track_order": ["where is my order", "track my order", "order status", "where is the delivery",
                    "when will my order arrive", "track the parcel"],
}


def test_macro_f1_is_the_mean_over_in_scope_intents() -> None:
    gold = ["a", "a", "b", "out_of_scope"]
    assert macro_f1(gold, ["a", "a", "b", "a"]) == pytest.approx((0.8 + 1.0) / 2)
    assert macro_f1(gold, ["b", "b", "a", "out_of_scope"]) == 0.0


def test_eval_prints_every_figure_as_json(tmp_path: Path) -> None:
    train, test = tmp_path / "train.yml", tmp_path / "test.yml"
    train.write_text(dump_training_data(training_data_from_pairs(TRAIN)))
    test.write_text(dump_training_data(training_data_from_pairs({
        "greet": ["hello"], "balance": ["what is my balance"], "track_order": ["where is my order"],
    })))
    result = CliRunner().invoke(nlu_app, ["eval", "--train", str(train), "--test", str(test), "--json",
                                          "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)["reports"]
    assert report["intent_accuracy"] == 1.0 and report["intent_macro_f1"] == 1.0
    assert report["n_in_scope"] == 3 and report["errors"] == 0
    for figure in ("latency_p50_ms", "latency_p99_ms", "parses_per_second", "train_seconds"):
        assert report[figure] > 0
    table = CliRunner().invoke(nlu_app, ["eval", "--train", str(train), "--test", str(test),
                                         "--cache-dir", str(tmp_path / "cache")])
    assert "macro F1" in table.stdout and "entity P" in table.stdout
