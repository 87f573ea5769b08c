"""Finding a place by what people type: a facility's name or reading, an address, a 町丁目
(the gazetteer, layers.places.model) or a district's name. It lets a report be placed
without the map (screen-reader users, or anyone who knows the address better than the
map), so it searches the city's own data.

There is no address register here (the national 位置参照情報 is not loaded), so an
address finds the facilities at or near it; towns and districts are found by name. A town is
compared by its keys (name and reading written the normalised way on load), so 焼津三丁目,
焼津3丁目 and やいづ3 find the same town."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.policy import Actor, row_filter
from layers.registry import get_layer

MAX_QUERY = 100
KANJI_DIGITS = str.maketrans("〇一二三四五六七八九", "0123456789")
PREFECTURE_CITY = re.compile(r"^(.{2,3}[都道府県])?(.{1,6}?[市区町村])?")


@dataclass(frozen=True)
class PlaceQuery:
    words: str  # for names: NFKC, katakana
    address: str  # for addresses: 1丁目2番3号 written as 1-2-3, without prefecture/city


def _katakana(value: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in value)


def normalise(raw: str) -> PlaceQuery:
    """Full-width and half-width forms, hiragana and katakana, 二丁目 and 2丁目 and 2- all
    match: people type them every way."""
    value = unicodedata.normalize("NFKC", raw).strip()
    value = re.sub(r"\s+", " ", value)
    words = _katakana(value)
    address = value.replace(" ", "")
    address = re.sub(
        r"([〇一二三四五六七八九十]+)(丁目|番地|番|号)",
        lambda m: _kanji_number(m.group(1)) + m.group(2),
        address,
    )
    address = re.sub(r"(丁目|番地|番|の)(?=\d)", "-", address)
    address = re.sub(r"(丁目|番地|番|号)$", "", address)
    address = re.sub(r"[‐−–—ー－]", "-", address)
    stripped = PREFECTURE_CITY.sub("", address)
    return PlaceQuery(words, stripped or address)


def _kanji_number(kanji: str) -> str:
    if "十" not in kanji:
        return kanji.translate(KANJI_DIGITS)
    tens, _, ones = kanji.partition("十")
    return str(
        int(tens.translate(KANJI_DIGITS) or "1") * 10 + int(ones.translate(KANJI_DIGITS) or "0")
    )


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(db: Session, actor: Actor, raw: str, limit: int) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the best matches, best first."""
    query = normalise(raw)
    visible = row_filter(actor, get_layer("facility")) or "true"
    rows = db.execute(
        text(
            f"""
            WITH found AS (
              SELECT 'facility' AS kind, id, name, name_en, name_kana, kind AS sub,
                     address AS detail,
                     CASE WHEN name = :words OR name_kana = :words THEN 0
                          WHEN name ILIKE :prefix OR name_kana ILIKE :prefix THEN 1
                          WHEN name ILIKE :words_like OR name_kana ILIKE :words_like
                               OR name_en ILIKE :words_like THEN 2
                          ELSE 3 END AS rank,
                     geom
              FROM facility
              WHERE ({visible})
                AND (name ILIKE :words_like OR name_kana ILIKE :words_like
                     OR name_en ILIKE :words_like OR address ILIKE :address_like)
              UNION ALL
              SELECT 'town', id, name, NULL, name_kana, kind, name_kana,
                     CASE WHEN name_key = :address OR kana_key = :words THEN 0
                          WHEN name_key LIKE :address_prefix OR kana_key LIKE :prefix THEN 1
                          ELSE 2 END,
                     geom
              FROM place
              WHERE name_key LIKE :address_like OR kana_key LIKE :words_like
                    OR name LIKE :words_like
              UNION ALL
              SELECT 'district', id, name, name_en, name_kana, level, NULL,
                     CASE WHEN name = :words OR name_kana = :words THEN 0
                          WHEN name ILIKE :prefix OR name_kana ILIKE :prefix THEN 1
                          ELSE 2 END,
                     ST_PointOnSurface(geom)
              FROM district
              WHERE level <> 'city'
                AND (name ILIKE :words_like OR name_kana ILIKE :words_like
                     OR name_en ILIKE :words_like)
            ),
            placed AS (
              SELECT found.*,
                     ST_ClusterDBSCAN(geom, eps := 0.001, minpoints := 1)
                       OVER (PARTITION BY kind, name) AS cluster
              FROM found
              WHERE geom IS NOT NULL
            )
            -- One place once: a school is also a shelter, an AED site and a tsunami building.
            SELECT kind, min(id) AS id, name, min(name_en) AS name_en, min(name_kana) AS name_kana,
                   array_agg(DISTINCT sub ORDER BY sub) AS subs, min(detail) AS detail,
                   min(rank) AS rank,
                   ST_X((array_agg(geom ORDER BY rank, id))[1]) AS lon,
                   ST_Y((array_agg(geom ORDER BY rank, id))[1]) AS lat
            FROM placed
            GROUP BY kind, name, cluster
            ORDER BY rank, length(name), name, min(id)
            LIMIT :limit
            """
        ),
        {
            "words": query.words,
            "prefix": _like(query.words)[1:],
            "words_like": _like(query.words),
            "address": query.address,
            "address_prefix": _like(query.address)[1:],
            "address_like": _like(query.address),
            "limit": limit,
        },
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f"{r.kind}.{r.id}",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 7), round(r.lat, 7)]},
                "properties": {
                    "kind": r.kind,
                    "id": r.id,
                    "name": r.name,
                    "name_en": r.name_en,
                    # the reading, shown as furigana in やさしい日本語
                    "name_kana": r.name_kana,
                    # facility kinds (shelter, aed ...), the district level, or "town"
                    "categories": list(r.subs),
                    # a facility's address; a town's reading when known
                    "detail": r.detail,
                },
            }
            for r in rows
        ],
        "numberReturned": len(rows),
    }
