"""Benchmarks: each measures mettl_async against a baseline run in the same process."""
