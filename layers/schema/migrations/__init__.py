"""Alembic migrations; run through `machimap db upgrade|downgrade` (layers.schema.migrate)."""
