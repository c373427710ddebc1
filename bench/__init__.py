"""Benchmarks: run on demand (`make bench`), results written to docs/benchmarks.md."""
