"""Catalogue search: text normalisation and the in-process index that services query."""
