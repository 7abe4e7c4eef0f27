"""Helpers the tests share, one module per concept (fixtures live in the nearest conftest.py)."""
