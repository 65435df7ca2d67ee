"""Benchmarks and the load generator: figures a reader can rerun, written to docs/benchmarks.md."""
