"""`machimap`: the operator's command line (serve, database, city, import, demo, accounts,
departments, outbox, media), one module per noun; importing them registers their commands."""

from api.cli import accounts, city, importing, media, store
from api.cli.common import app

__all__ = ["accounts", "app", "city", "importing", "main", "media", "store"]


def main() -> None:
    app()
