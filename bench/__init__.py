"""Benchmarks of rbac-api against the usual alternatives (issue 5). Run with `make bench`; not part of CI."""
