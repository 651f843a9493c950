"""Benchmarks: one module per figure; `python -m bench` runs them all and prints one table."""
