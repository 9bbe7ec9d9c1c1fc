"""Random draws. Each part of the district draws from its own stream, keyed by name, so a
change in one part leaves the others' draws (and so their files) as they were."""

from __future__ import annotations

import zlib

import numpy as np


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """An independent, reproducible stream for one part of the district."""
    words = [seed] + [zlib.crc32(str(key).encode()) for key in keys]
    return np.random.default_rng(words)


def weighted(rng: np.random.Generator, options, weights, size) -> np.ndarray:
    """`size` options drawn with the given (unnormalised) weights."""
    shares = np.asarray(weights, dtype=float)
    picks = rng.choice(len(shares), size=size, p=shares / shares.sum())
    return np.asarray(options, dtype=object)[picks]


def at_least(rng: np.random.Generator, picked: np.ndarray, eligible: np.ndarray, count: int) -> np.ndarray:
    """The picked eligible persons, topped up to at least `count`, so every list exists at
    every scale."""
    chosen = np.flatnonzero(picked & eligible)
    if len(chosen) < count:
        rest = np.setdiff1d(np.flatnonzero(eligible), chosen)
        extra = rng.choice(rest, size=min(count - len(chosen), len(rest)), replace=False)
        chosen = np.sort(np.concatenate([chosen, extra]))
    return chosen
