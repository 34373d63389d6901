"""Benchmarks that print numbers: throughput, start-up time."""
