"""Trains one intent model in a process of its own and stores it in the model cache.

`load_or_train(..., train_apart=True)` runs `python -m nlu.train_apart` with the pickled training data,
settings and cache path on standard input, then loads what this stored.
"""

from __future__ import annotations

import pickle
import sys

from nlu.classifier import IntentClassifier
from nlu.features import SentenceEncoder


def main() -> None:
    data, config, path = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - written by our own parent process
    SentenceEncoder.use_cache_dir(path.parent)  # the encoder's table beside the models, as the parent expects
    IntentClassifier.train(data, config).save(path)


if __name__ == "__main__":
    main()
