"""Benchmarks: each figure is reported against a baseline measured in the same run."""
