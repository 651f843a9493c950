"""Giving freed heap memory back to the operating system after a large build (glibc's `malloc_trim`).

Building an index churns through hundreds of megabytes of short-lived objects. CPython returns them to
malloc, but glibc keeps freed pages mapped (and counted in the resident size) until something trims
the heap; a process that builds once and then serves for days would carry that garbage all along.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim this way
        return None
    return trim


def trim_heap() -> bool:
    """Return free heap pages of every malloc arena to the OS; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
