"""A mergeable log-spaced histogram of durations (DDSketch's buckets): any period's quantiles
are a sum of stored bins, each value known within 1% (relative) of the truth."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Cumulative:
    """A histogram as its bins in ascending order with the running count up to each, so that
    quantiles of it plus a few more bins are found by bisection instead of by merging."""

    bins: Sequence[int]
    running: Sequence[int]  # running[i]: how many values lie in bins[0] .. bins[i]

    @classmethod
    def of(cls, counts: Mapping[int, int]) -> Cumulative:
        """The cumulative form of a histogram (bins of count 0 left out; a negative count is
        values taken away from another histogram this one is added to)."""
        bins, running, seen = [], [], 0
        for index in sorted(counts):
            if counts[index]:
                seen += counts[index]
                bins.append(index)
                running.append(seen)
        return cls(bins, running)

    @property
    def total(self) -> int:
        """How many values it holds."""
        return self.running[-1] if self.running else 0


def quantile_with(base: Cumulative, extra: Mapping[int, int], fraction: float) -> float | None:
    """`quantile` of the sum of `base` and `extra` (whose counts may be negative where they take
    away values of `base`; the sum must be nowhere negative): the same value, in time growing
    with the log of `base`'s size and the size of `extra`."""
    added = Cumulative.of(extra)
    total = base.total + added.total
    if total <= 0:
        return None
    rank = fraction * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    low_value = value_of(_holding(base, added, low))
    high_value = value_of(_holding(base, added, high))
    return low_value + (high_value - low_value) * (rank - low)


def _holding(base: Cumulative, added: Cumulative, k: int) -> int:
    """The bin holding the k-th value (from 0) of base + added: the lowest bin with more than
    k values at or below it."""

    def at_or_below(index: int) -> int:
        mine, theirs = bisect_right(base.bins, index), bisect_right(added.bins, index)
        return (base.running[mine - 1] if mine else 0) + (
            added.running[theirs - 1] if theirs else 0
        )

    lo, hi = 0, len(base.bins)
    while lo < hi:
        middle = (lo + hi) // 2
        if at_or_below(base.bins[middle]) > k:
            hi = middle
        else:
            lo = middle + 1
    found = base.bins[lo] if lo < len(base.bins) else None
    for index in added.bins:
        if found is not None and index >= found:
            break
        if at_or_below(index) > k:
            return index
    if found is None:
        raise ValueError("the sum holds fewer values than asked for")
    return found
