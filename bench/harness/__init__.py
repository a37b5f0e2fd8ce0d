"""Load-testing harness: see bench/bench_load.py and docs/performance.md."""
