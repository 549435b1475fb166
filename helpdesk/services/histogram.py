"""A mergeable log-spaced histogram of durations (DDSketch's buckets): any period's quantiles
are a sum of stored bins, each value known within 1% (relative) of the truth."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping

RELATIVE_ERROR = 0.01
# Bin i holds (GAMMA**(i-1), GAMMA**i] seconds; its representative value 2*GAMMA**i/(GAMMA+1)
# is within RELATIVE_ERROR of every value in it.
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_LOG_GAMMA = math.log(GAMMA)
SMALLEST = 0.001  # seconds; anything at or below counts as 0 (bin 0): times are stored in us
_OFFSET = math.ceil(-math.log(SMALLEST) / _LOG_GAMMA)  # keeps every bin index positive


def bin_of(seconds: float) -> int:
    """The bin a duration falls in (0 for durations up to a millisecond)."""
    if seconds <= SMALLEST:
        return 0
    return max(1, math.ceil(math.log(seconds) / _LOG_GAMMA) + _OFFSET)


def value_of(index: int) -> float:
    """The representative duration of a bin (within 1% of anything in it)."""
    if index <= 0:
        return 0.0
    return 2 * GAMMA ** (index - _OFFSET) / (GAMMA + 1)


def percentile(values: list[float], fraction: float) -> float | None:
    """The exact `fraction` quantile with linear interpolation between ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def add_values(bins: Counter[int], values: Iterable[float]) -> Counter[int]:
    """Count durations into `bins` (in place) and return it."""
    for value in values:
        bins[bin_of(value)] += 1
    return bins


def quantile(bins: Mapping[int, int], fraction: float) -> float | None:
    """The `fraction` quantile of a histogram, interpolated between ranks like `percentile`:
    each of the two order statistics is a bin's value, so the result is within 1%."""
    total = sum(bins.values())
    if total <= 0:
        return None
    rank = fraction * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    low_value = high_value = None
    seen = 0
    for index in sorted(bins):
        count = bins[index]
        if count <= 0:
            continue
        seen += count
        if low_value is None and seen > low:
            low_value = value_of(index)
        if seen > high:
            high_value = value_of(index)
            break
    assert low_value is not None and high_value is not None
    return low_value + (high_value - low_value) * (rank - low)
