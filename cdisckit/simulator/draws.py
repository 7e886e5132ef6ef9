"""Random draws every part of the simulator uses, on a given numpy Generator.

Ranges in the data files are inclusive ``[low, high]``; weights are mappings
of outcome to weight, read in file order so that a seed always means the
same outcomes.
"""

from __future__ import annotations

import numpy as np

LN2 = float(np.log(2.0))
MONTH = 30.4375


def between(rng, bounds, size) -> np.ndarray:
    """Whole numbers uniformly in the inclusive range ``[low, high]``."""
    low, high = bounds
    return rng.integers(int(low), int(high) + 1, size=size)


def choose(rng, weights: dict, size) -> np.ndarray:
    """Keys of ``weights`` drawn with probability proportional to their weight."""
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=p / p.sum())]


def choose_index(rng, weights, size) -> np.ndarray:
    """Indices 0..len(weights)-1 drawn with probability proportional to the weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def weibull(rng, median, shape, size, hazard_ratio=1.0) -> np.ndarray:
    """Event times with a Weibull distribution of the given median, under proportional hazards."""
    exponential = rng.standard_exponential(size)
    return median * (exponential / (LN2 * np.asarray(hazard_ratio))) ** (1.0 / shape)


def log_normal(rng, median, cv, size) -> np.ndarray:
    """Positive values with the given median and coefficient of variation."""
    sigma = np.sqrt(np.log1p(np.asarray(cv, dtype=float) ** 2))
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))
