"""Routers of the inspections noun."""
