"""Small versions of the benchmarks, so they keep working."""
