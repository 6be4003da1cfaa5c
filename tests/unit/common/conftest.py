"""The common library's unit tests use the shared fixtures of tests/conftest.py."""
