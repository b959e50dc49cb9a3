"""Benchmarks: `python -m bench NAME` (or `make bench` for all), results in docs/benchmarks.md."""
