"""Fakes of the services b2bot talks to, shared by the tests and the benchmarks (bench/)."""
