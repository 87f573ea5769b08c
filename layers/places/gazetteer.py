"""Loading a city's named places: Geolonia 住所データ's town list (JSON of {town, koaza,
lat, lng}) or a plain CSV (name, lat, lon and optionally kana), for the demo and for
`machimap places load`.

A load replaces the rows of its ``source`` (the list's name): a town the new list drops is
gone, the others are updated in place, rows of other sources stay. All rows or none."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from layers.places.search import normalise
from layers.store.refusals import Refused

GEOLONIA = "Geolonia 住所データ"
# 焼津三丁目 is the 大字 焼津 and 丁目 3; sources give the reading of the 大字 only.
CHOME = re.compile(r"^(?P<base>.+?)(?P<number>[〇一二三四五六七八九十]+|\d+)丁目$")
NAME_MAX = 200


@dataclass(frozen=True)
class Entry:
    name: str
    lon: float
    lat: float
    kana: str | None = None


def _katakana(value: str) -> str:
    return normalise(value).words.replace(" ", "")


def keys(name: str, kana: str | None) -> tuple[str, str | None]:
    """The forms search compares: 焼津三丁目 → (焼津3, ヤイヅ3 when the reading is ヤイヅ)."""
    name_key = normalise(name).address
    if not kana:
        return name_key, None
    chome = CHOME.match(unicodedata.normalize("NFKC", name))
    number = normalise(chome["number"] + "丁目").address if chome else ""
    return name_key, _katakana(kana) + number


def read_file(path: Path, readings: Mapping[str, str] | None = None) -> list[Entry]:
    """Geolonia's JSON (by its .json suffix) or a CSV, refused naming the first bad entry.
    ``readings`` gives a 大字's reading (焼津 → ヤイヅ) for its towns and 丁目."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Refused(
            f"ファイル {path} を読めません。", f"cannot read {path}: {exc.strerror}"
        ) from exc
    entries = _geolonia(raw) if path.suffix.lower() == ".json" else _csv(raw)
    if not entries:
        raise Refused("地名が1件もありません。", f"{path} holds no places")
    if readings:
        entries = [_with_reading(e, readings) for e in entries]
    return entries


def read_readings(path: Path) -> dict[str, str]:
    """A CSV of name,kana: the reading of each 大字 (its 丁目 share it)."""
    rows = _csv_rows(path.read_bytes())
    return {row["name"].strip(): row["kana"].strip() for _, row in rows if row.get("kana")}


def _with_reading(entry: Entry, readings: Mapping[str, str]) -> Entry:
    if entry.kana:
        return entry
    chome = CHOME.match(entry.name)
    kana = readings.get(entry.name) or (readings.get(chome["base"]) if chome else None)
    return Entry(entry.name, entry.lon, entry.lat, kana)


def _refuse(where: str, ja: str, en: str) -> Refused:
    return Refused(f"{where}: {ja}", f"{where}: {en}")


def _entry(where: str, name: Any, lon: Any, lat: Any, kana: Any = None) -> Entry:
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if not name or len(name) > NAME_MAX:
        raise _refuse(where, "地名が空か長すぎます。", "the name is empty or too long")
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise _refuse(where, "緯度・経度が数値ではありません。", "lat/lon not numbers") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise _refuse(where, "緯度・経度が範囲外です。", "lat/lon out of range")
    reading = str(kana).strip() if kana else None
    return Entry(name, x, y, reading[:NAME_MAX] if reading else None)


def _geolonia(raw: bytes) -> list[Entry]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refused("JSON として読めません。", f"not JSON: {exc}") from None
    if not isinstance(data, list):
        raise Refused(
            "Geolonia 形式（町丁目の配列）ではありません。",
            "not Geolonia's format (a list of towns)",
        )
    entries = []
    for number, item in enumerate(data, start=1):
        where = f"entry {number}"
        if not isinstance(item, dict):
            raise _refuse(where, "町丁目ではありません。", "not a town object")
        if item.get("koaza"):
            continue  # a 小字 is finer than residents name their place; its town is listed too
        entries.append(_entry(where, item.get("town"), item.get("lng"), item.get("lat")))
    return entries


def _csv_rows(raw: bytes) -> list[tuple[int, dict[str, str]]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            decoded = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Refused("文字コードが分かりません。", "neither UTF-8 nor Shift_JIS")
    reader = csv.DictReader(io.StringIO(decoded, newline=""))
    header = {(h or "").strip() for h in reader.fieldnames or ()}
    if not {"name", "lat", "lon"} <= header and not {"name", "kana"} <= header:
        raise Refused(
            "1行目に name, lat, lon の列が必要です。", "line 1 must name the columns name, lat, lon"
        )
    return [
        (line, {(k or "").strip(): v or "" for k, v in row.items()})
        for line, row in enumerate(reader, start=2)
    ]


def _csv(raw: bytes) -> list[Entry]:
    return [
        _entry(f"line {line}", row.get("name"), row.get("lon"), row.get("lat"), row.get("kana"))
        for line, row in _csv_rows(raw)
    ]


UPSERT = text(
    """
    INSERT INTO place (kind, name, name_kana, name_key, kana_key, source, attribution, geom)
    VALUES ('town', :name, :kana, :name_key, :kana_key, :source, :attribution,
            ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ON CONFLICT (kind, name) DO UPDATE SET
      name_kana = EXCLUDED.name_kana, name_key = EXCLUDED.name_key,
      kana_key = EXCLUDED.kana_key, source = EXCLUDED.source,
      attribution = EXCLUDED.attribution, geom = EXCLUDED.geom
    WHERE (place.name_kana, place.name_key, place.kana_key, place.source, place.attribution)
          IS DISTINCT FROM (EXCLUDED.name_kana, EXCLUDED.name_key, EXCLUDED.kana_key,
                            EXCLUDED.source, EXCLUDED.attribution)
       OR NOT ST_Equals(place.geom, EXCLUDED.geom)
    """
)
DROP_MISSING = text(
    "DELETE FROM place WHERE kind = 'town' AND source = :source AND NOT (name = ANY(:names))"
)


def load(
    db: Connection | Session, entries: Iterable[Entry], *, source: str, attribution: str
) -> int:
    """Replaces the towns of ``source`` with ``entries``; answers how many there are now."""
    rows = []
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen:
            continue  # one point per name: the first the list gives
        seen.add(entry.name)
        name_key, kana_key = keys(entry.name, entry.kana)
        rows.append(
            {
                "name": entry.name,
                "kana": entry.kana,
                "name_key": name_key,
                "kana_key": kana_key,
                "source": source,
                "attribution": attribution,
                "lon": entry.lon,
                "lat": entry.lat,
            }
        )
    if not rows:
        raise Refused("地名が1件もありません。", "no places to load")
    db.execute(DROP_MISSING, {"source": source, "names": sorted(seen)})
    db.execute(UPSERT, rows)
    return len(rows)
