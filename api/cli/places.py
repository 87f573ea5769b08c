"""The city's named places: `machimap places load FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import app, database, fail
from layers.schema import migrate

places_app = typer.Typer(help="Named places: the city's 町丁目 (地名).", no_args_is_help=True)
app.add_typer(places_app, name="places")


@places_app.command("load")
def places_load(
    file: Annotated[
        Path,
        typer.Argument(
            help="Geolonia 住所データ's town list (.json) or a CSV with name, lat, lon "
            "(and optionally kana)"
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(help="The list's name; loading it again replaces its rows (default: stem)"),
    ] = None,
    attribution: Annotated[
        str | None,
        typer.Option(help="The credit its licence asks for (.json: Geolonia 住所データ)"),
    ] = None,
    readings: Annotated[
        Path | None,
        typer.Option(help="A CSV of name,kana giving each 大字's reading (its 丁目 share it)"),
    ] = None,
) -> None:
    """Load the city's 町丁目 with a representative point each (replacing the same list)."""
    from layers.places import gazetteer
    from layers.store.db import make_engine
    from layers.store.refusals import Refused

    url = database()
    migrate.upgrade(url)
    is_geolonia = file.suffix.lower() == ".json"
    credit = attribution or (gazetteer.GEOLONIA if is_geolonia else None)
    if not credit:
        fail(
            "CSV の出典を --attribution で指定してください。",
            "say whom the CSV's data is credited to with --attribution",
        )
    try:
        entries = gazetteer.read_file(file, gazetteer.read_readings(readings) if readings else None)
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                count = gazetteer.load(
                    conn, entries, source=(source or file.stem)[:40], attribution=credit
                )
        finally:
            engine.dispose()
    except Refused as refused:
        fail(refused.message_ja, refused.message_en)
    typer.echo(f"{count} places from {file.name}")
