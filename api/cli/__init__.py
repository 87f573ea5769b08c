"""`machimap`: the operator's command line (serve, database, city, import, demo, accounts,
departments, outbox, media, places), one module per noun; importing them registers their
commands."""

from api.cli import accounts, backup, city, importing, media, places, planning, store
from api.cli.common import app

__all__ = [
    "accounts",
    "app",
    "backup",
    "city",
    "importing",
    "main",
    "media",
    "places",
    "planning",
    "store",
]


def main() -> None:
    app()
