"""Benchmarks and drills: `python -m bench` and `python -m bench.drills` (not part of the tests)."""
