"""Seeded randomness: one ``random.Random`` per component, derived from the cluster seed.

Python's ``hash()`` of a string changes with ``PYTHONHASHSEED``; ``zlib.crc32`` does not,
so the same seed gives the same random streams in every process.
"""
from __future__ import annotations

import random
import zlib


def component_rng(seed: int, name: str) -> random.Random:
    """A ``random.Random`` for component ``name`` that depends only on ``seed`` and ``name``."""
    return random.Random((int(seed) << 32) ^ zlib.crc32(name.encode()))


# utilrand.String's alphabet (k8s.io/apimachinery/pkg/util/rand): no vowels, no
# confusable characters, so generated names never spell words.
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(rng: random.Random, length: int = 5) -> str:
    """``generateName`` suffix as the API server makes it (5 characters)."""
    return "".join(rng.choice(NAME_ALPHABET) for _ in range(length))
