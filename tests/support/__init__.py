"""Importable test helpers (CTFd's tests/helpers.py): conftest.py files hold fixtures only."""
