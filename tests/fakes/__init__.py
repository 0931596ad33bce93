"""Fakes of the services backend-agent talks to, for tests and benchmarks."""
