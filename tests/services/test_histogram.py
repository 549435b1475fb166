"""The log-spaced histogram: every value within 1%, quantiles within 1% of the exact ones,
histograms of two sets add up to the histogram of their union, and a cumulative histogram plus
a few bins gives the merged quantile."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from helpdesk.services.histogram import (
    RELATIVE_ERROR,
    Cumulative,
    add_values,
    bin_of,
    percentile,
    quantile,
    quantile_with,
    value_of,
)


def test_every_value_is_represented_within_one_percent():
    """From a millisecond to a year, a value's bin stands for it within 1%."""
    rng = random.Random(7)
    values = [10 ** rng.uniform(-2.9, 7.5) for _ in range(20_000)]
    values += [0.0011, 1.0, 60.0, 900.0, 3600.0, 86_400.0]
    for value in values:
        assert abs(value_of(bin_of(value)) - value) <= RELATIVE_ERROR * value, value


def test_nothing_and_zero():
    """An empty histogram has no quantile; zero and sub-millisecond times count as zero."""
    assert quantile(Counter(), 0.5) is None
    assert bin_of(0.0) == bin_of(0.0005) == 0 and value_of(0) == 0.0
    assert quantile(add_values(Counter(), [0.0, 0.0, 0.0]), 0.9) == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("size", [1, 2, 7, 100, 5000])
def test_quantiles_are_within_one_percent_of_the_exact_ones(seed, size):
    """Median, p90 and p99 from the bins agree with the exact interpolated percentile."""
    rng = random.Random(seed)
    values = [rng.lognormvariate(7, 1.5) for _ in range(size)]
    bins = add_values(Counter(), values)
    for fraction in (0.0, 0.5, 0.9, 0.99, 1.0):
        exact = percentile(values, fraction)
        assert quantile(bins, fraction) == pytest.approx(exact, rel=RELATIVE_ERROR)


def test_histograms_merge_by_adding_bins():
    """The bins of two halves, added, are the bins of the whole (a period is a sum of buckets)."""
    rng = random.Random(11)
    values = [rng.expovariate(1 / 1200) for _ in range(3000)]
    first, second = add_values(Counter(), values[:1234]), add_values(Counter(), values[1234:])
    assert first + second == add_values(Counter(), values)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_quantile_of_a_cumulative_histogram_plus_bins_is_the_merged_quantile(seed):
    """quantile_with(base, extra) is exactly quantile(base + extra), also when `extra` takes
    values away from `base` (the changed buckets of cached days) or holds bins `base` lacks."""
    rng = random.Random(seed)
    base_values = [rng.lognormvariate(6, 1.2) for _ in range(rng.randint(1, 400))]
    base = add_values(Counter(), base_values)
    extra = add_values(Counter(), [rng.lognormvariate(5, 2) for _ in range(rng.randint(0, 30))])
    for taken in rng.sample(base_values, min(10, len(base_values) - 1)):
        extra[bin_of(taken)] -= 1
    merged = Counter(base)
    merged.update(extra)
    assert all(count >= 0 for count in merged.values())
    cumulative = Cumulative.of(base)
    assert cumulative.total == len(base_values)
    for fraction in (0.0, 0.1, 0.5, 0.9, 0.99, 1.0):
        assert quantile_with(cumulative, extra, fraction) == quantile(merged, fraction)
    assert quantile_with(Cumulative.of(Counter()), Counter(), 0.5) is None
    assert quantile_with(Cumulative.of(Counter()), Counter({5: 2}), 0.5) == value_of(5)
