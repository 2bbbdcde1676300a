"""Alembic migrations of the web application's database, run programmatically at start (see migrate.py)."""
