"""The city this instance serves: `machimap city set|show`."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import city_app, database, fail
from layers.schema import migrate
from layers.store.db import session_scope


@city_app.command("set")
def city_set(
    code: Annotated[str, typer.Option(help="全国地方公共団体コード (6 digits)")],
    name: Annotated[str, typer.Option(help="City name, e.g. 焼津市")],
    prefecture: Annotated[str, typer.Option(help="e.g. 静岡県")],
    zone: Annotated[int | None, typer.Option(help="平面直角座標系 zone 1-19")] = None,
    name_en: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Set the city this instance serves."""
    from geo.crs import zone_for_prefecture
    from layers.city.identity import set_city

    migrate.upgrade(database())
    try:
        plane_zone = zone if zone is not None else zone_for_prefecture(prefecture)
    except ValueError as exc:
        fail("都道府県から座標系の系番号が分かりません。--zone で指定してください。", str(exc))
        return
    from sqlalchemy.exc import IntegrityError

    try:
        with session_scope() as session:
            set_city(
                session,
                code=code,
                name=name,
                prefecture=prefecture,
                plane_zone=plane_zone,
                name_en=name_en,
            )
    except IntegrityError as exc:
        fail("市の設定が正しくありません（コードは6桁、系番号は1-19）。", str(exc.orig))
    typer.echo(f"{name} ({code}), plane rectangular zone {plane_zone}")


@city_app.command("show")
def city_show() -> None:
    """Show the configured city."""
    from layers.city.identity import get_city

    with session_scope() as session:
        city = get_city(session)
        if city is None:
            fail(
                "市が設定されていません。`machimap city set` で設定してください。",
                "no city configured: run `machimap city set`",
            )
            return
        typer.echo(
            f"{city.name} {city.name_en or ''} code={city.code} "
            f"prefecture={city.prefecture} zone={city.plane_zone}"
        )
