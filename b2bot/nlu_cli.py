"""`b2bot nlu ...`: evaluate the embedded NLU on Rasa-format data and parse single messages.

Mounted by the composition root (`app.add_typer(nlu_app, name="nlu")`); imports only `nlu`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from nlu.backends import DATA_DIR, EmbeddedBackend
from nlu.classifier import DEFAULT_CACHE_DIR
from nlu.evaluate import evaluate, format_table, report_json

nlu_app = typer.Typer(help="Natural-language understanding: evaluate models and parse messages.",
                      no_args_is_help=True)

CacheDir = Annotated[Path, typer.Option("--cache-dir", help="Where trained models are cached.")]


@nlu_app.command("eval")
def eval_command(
    train: Annotated[list[Path], typer.Option("--train", exists=True, dir_okay=True,
                                              help="Rasa NLU training file; repeat to train on each.")],
    test: Annotated[Path, typer.Option("--test", exists=True, help="Rasa NLU test file.")],
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
    no_entities: Annotated[bool, typer.Option("--no-entities", help="Skip entity extraction.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Train on each --train file, evaluate on --test; print intent accuracy and macro-F1, OOS recall, entity
    precision, recall and F1, latency p50/p99, parses per second and training time (a mean row with several)."""
    reports = []
    for path in train:
        typer.echo(f"training on {path} ...", err=True)
        reports.append(evaluate(path, test, cache_dir=cache_dir, with_entities=not no_entities))
    typer.echo(json.dumps(report_json(reports), indent=2) if as_json else format_table(reports))


@nlu_app.command("parse")
def parse_command(
    text: Annotated[str, typer.Argument(help="The message to understand.")],
    locale: Annotated[str | None, typer.Option("--locale", help="en or ru; detected when omitted.")] = None,
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Training data root.")] = DATA_DIR,
    cache_dir: CacheDir = DEFAULT_CACHE_DIR,
) -> None:
    """Print the Rasa `/model/parse`-shaped JSON for TEXT."""
    backend = EmbeddedBackend.from_data_dir(data_dir, cache_dir)
    result = backend.parse_sync(text, locale)
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
