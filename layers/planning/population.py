"""Importing a population table (住民基本台帳) per 町丁目 or per 自治会.

Two layouts are read: the national standard 地域・年齢別人口 (推奨データセット; columns
全国地方公共団体コード, 地域コード or 町字ID, 地域名, 総数, 男, 女 and the age bands, which
give the 65+ and 0–14 counts) and a plain code,name,population CSV. UTF-8 or Shift_JIS.
A 町丁目 row is matched to the gazetteer's town by its name as search normalises it
(焼津三丁目 = 焼津3丁目), a 自治会 row to a district by code, else by name. Every bad or
unmatched row is named by its line and nothing is loaded; a good file replaces every row
of its level, so coverage never mixes two dates."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.places.gazetteer import keys
from layers.planning.model import PopulationLevel
from layers.store.refusals import Refused

# Rows a published table carries for the whole city, not a place.
TOTAL_NAMES = {"合計", "計", "総計", "総数", "市計", "全市"}
# An age band column: 0-4歳, ０～４歳, 0～4歳男, 100歳以上, 85歳以上女 ...
AGE_BAND = re.compile(r"^(\d+)\s*(?:[-~〜～]\s*(\d+))?\s*歳(以上)?")
STANDARD_CODE = ("地域コード", "町字ID", "町丁目コード")
SIMPLE = {
    "code": ("code", "コード", "地域コード"),
    "name": ("name", "名称", "地域名", "自治会名", "町丁目名"),
    "population": ("population", "人口", "総数"),
    "households": ("households", "世帯数"),
    "elderly": ("elderly", "65歳以上"),
    "children": ("children", "15歳未満", "0-14歳"),
}
MAX_ROWS = 20_000

TOWNS = text("SELECT id, name, name_key FROM place WHERE kind = 'town'")
DISTRICTS = text("SELECT id, code, name FROM district ORDER BY depth DESC, id")
DELETE_LEVEL = text("DELETE FROM population_unit WHERE level = :level")
# The point a unit is counted at (the town's point, a point on the 自治会's area) and the
# finest district holding it.
INSERT_TOWN = text(
    """
INSERT INTO population_unit (level, code, name, place_id, district_id, population,
    households, elderly, children, as_of, source, synthetic, geom)
SELECT 'town', :code, :name, p.id,
       (SELECT d.id FROM district d WHERE ST_Intersects(d.geom, p.geom)
         ORDER BY d.depth DESC, d.id LIMIT 1),
       :population, :households, :elderly, :children, :as_of, :source, :synthetic, p.geom
FROM place p WHERE p.id = :target
"""
)
INSERT_DISTRICT = text(
    """
INSERT INTO population_unit (level, code, name, district_id, population, households,
    elderly, children, as_of, source, synthetic, geom)
SELECT 'district', :code, :name, d.id, :population, :households, :elderly, :children,
       :as_of, :source, :synthetic, ST_PointOnSurface(d.geom)
FROM district d WHERE d.id = :target
"""
)


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    code: str
    name: str
    population: int
    households: int | None
    elderly: int | None
    children: int | None
    as_of: date | None


@dataclass(frozen=True, slots=True)
class Loaded:
    level: str
    rows: int
    population: int
    layout: str


def decode(raw: bytes, encoding: str | None = None) -> str:
    for candidate in (encoding,) if encoding else ("utf-8-sig", "cp932"):
        try:
            return raw.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise Refused(
        "文字コードが分かりません（UTF-8 か Shift_JIS）",
        "the file is neither UTF-8 nor Shift_JIS",
        status=422,
    )


def _clean(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _plain(value: str) -> str:
    return re.sub(r"\s+", "", _clean(value))


def _count(value: str | None) -> int | None:
    cleaned = _clean(value).replace(",", "")
    if cleaned in ("", "-", "－", "―"):
        return None
    if not cleaned.isdigit():
        raise ValueError(value)
    return int(cleaned)


def _date(value: str | None) -> date | None:
    cleaned = _clean(value).replace("/", "-").replace(".", "-")
    if not cleaned:
        return None
    if re.fullmatch(r"\d{8}", cleaned):
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    return date.fromisoformat(cleaned)


class _Mistakes:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, line: int, ja: str, en: str) -> None:
        self.items.append({"line": line, "message_ja": ja, "message_en": en})

    def refuse(self) -> None:
        if not self.items:
            return
        first = self.items[:5]
        raise Refused(
            f"{len(self.items)} 行を取り込めません（何も取り込んでいません）: "
            + "; ".join(f"{m['line']}行目 {m['message_ja']}" for m in first),
            f"{len(self.items)} row(s) cannot be imported (nothing was imported): "
            + "; ".join(f"line {m['line']}: {m['message_en']}" for m in first),
            status=422,
            rows=self.items,
        )


def parse(content: str) -> tuple[str, list[Row]]:
    """The rows of either layout, every mistake named by line (line 1 is the header)."""
    reader = csv.reader(io.StringIO(content, newline=""))
    header = [_clean(h) for h in next(reader, [])]
    column = {name: i for i, name in enumerate(header) if name}
    standard = "総数" in column and "地域名" in column
    mistakes = _Mistakes()
    if standard:
        layout = "standard"
        code_at = next((column[c] for c in STANDARD_CODE if c in column), None)
        name_at, total_at = column["地域名"], column["総数"]
        households_at = column.get("世帯数")
        as_of_at = column.get("調査年月日")
        elderly_at: list[int] = []
        children_at: list[int] = []
        for name, i in column.items():
            band = AGE_BAND.match(name)
            if band:
                low, high = int(band[1]), int(band[2]) if band[2] else None
                if low >= 65:
                    elderly_at.append(i)
                elif high is not None and high <= 14:
                    children_at.append(i)
    else:
        layout = "simple"
        found = {
            key: next((column[c] for c in names if c in column), None)
            for key, names in SIMPLE.items()
        }
        if found["name"] is None or found["population"] is None:
            raise Refused(
                "1行目に name と population の列（または 地域名・総数）が必要です",
                "line 1 must name the columns name and population (or 地域名 and 総数)",
                status=422,
            )
        code_at, name_at, total_at = found["code"], found["name"], found["population"]
        households_at, as_of_at = found["households"], None
    rows: list[Row] = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise Refused(
                f"行が多すぎます（{MAX_ROWS} 行まで）",
                f"too many rows (at most {MAX_ROWS})",
                status=413,
            )

        def cell(i: int | None, cells: list[str] = cells) -> str | None:
            return cells[i] if i is not None and i < len(cells) else None

        name = _clean(cell(name_at))
        # The municipality's own total: a named row, or (standard layout) one with no 地域コード.
        if name in TOTAL_NAMES or (standard and code_at is not None and not _clean(cell(code_at))):
            continue
        if not name or len(name) > 200:
            mistakes.add(line, "名称が空か長すぎます", "the name is empty or too long")
            continue
        try:
            population = _count(cell(total_at))
            households = _count(cell(households_at))
            if standard:
                elderly = sum(_count(cell(i)) or 0 for i in elderly_at) if elderly_at else None
                children = sum(_count(cell(i)) or 0 for i in children_at) if children_at else None
            else:
                elderly = _count(cell(found["elderly"]))
                children = _count(cell(found["children"]))
        except ValueError as exc:
            mistakes.add(
                line, f"人数が整数ではありません（{exc}）", f"a count is not a whole number ({exc})"
            )
            continue
        if population is None:
            mistakes.add(line, "人口がありません", "the population is missing")
            continue
        if (elderly or 0) > population or (children or 0) > population:
            mistakes.add(
                line,
                "年齢別の人数が総数を超えています",
                "an age group counts more people than the total",
            )
            continue
        try:
            as_of = _date(cell(as_of_at))
        except ValueError:
            mistakes.add(line, "調査年月日が日付ではありません", "調査年月日 is not a date")
            continue
        code = _clean(cell(code_at)) or name
        rows.append(Row(line, code[:40], name, population, households, elderly, children, as_of))
    mistakes.refuse()
    if not rows:
        raise Refused("人口の行がありません", "the file holds no population rows", status=422)
    return layout, rows


def _targets(session: Session, level: str, rows: list[Row]) -> dict[int, int]:
    """line -> the place (town) or district each row stands for."""
    mistakes = _Mistakes()
    targets: dict[int, int] = {}
    if level == PopulationLevel.town:
        # The name as written first; search's key (三丁目 = 3丁目) only where it names one town.
        by_name: dict[str, int] = {}
        by_key: dict[str, list[int]] = {}
        for r in session.execute(TOWNS):
            by_name.setdefault(_plain(r.name), r.id)
            by_key.setdefault(r.name_key, []).append(r.id)
        for row in rows:
            keyed = by_key.get(keys(row.name, None)[0], [])
            place = by_name.get(_plain(row.name)) or (keyed[0] if len(keyed) == 1 else None)
            if place is None:
                mistakes.add(
                    row.line,
                    f"町丁目「{row.name}」が地名表にありません",
                    f"no town named {row.name!r} in the gazetteer",
                )
            else:
                targets[row.line] = place
    else:
        by_code: dict[str, int] = {}
        districts_named: dict[str, list[int]] = {}
        for r in session.execute(DISTRICTS):
            by_code.setdefault(r.code, r.id)
            districts_named.setdefault(_clean(r.name), []).append(r.id)
        for row in rows:
            named = districts_named.get(row.name, [])
            district = by_code.get(row.code) or (named[0] if len(named) == 1 else None)
            if district is None:
                mistakes.add(
                    row.line,
                    f"地区「{row.code} {row.name}」が見つからないか、名前が重複しています",
                    f"no district with code {row.code!r} or the one name {row.name!r}",
                )
            else:
                targets[row.line] = district
    codes: dict[str, int] = {}
    places: dict[int, int] = {}
    for row in rows:
        target = targets.get(row.line)
        first = codes.get(row.code) or (places.get(target) if target is not None else None)
        if first is not None:
            mistakes.add(row.line, f"{first}行目と同じ地域です", f"the same unit as line {first}")
        codes.setdefault(row.code, row.line)
        if target is not None:
            places.setdefault(target, row.line)
    mistakes.refuse()
    return targets


def load(
    session: Session,
    content: str,
    *,
    level: str = "town",
    as_of: date | None = None,
    source: str = "import",
    synthetic: bool = False,
) -> Loaded:
    """Replace the level's rows with the file's, or refuse the whole file."""
    if level not in PopulationLevel.__members__:
        raise Refused(
            f"単位 {level!r} は town か district です",
            f"level {level!r} must be town or district",
            status=400,
        )
    layout, rows = parse(content)
    targets = _targets(session, level, rows)
    session.execute(DELETE_LEVEL, {"level": level})
    statement = INSERT_TOWN if level == "town" else INSERT_DISTRICT
    session.execute(
        statement,
        [
            {
                "code": row.code,
                "name": row.name,
                "target": targets[row.line],
                "population": row.population,
                "households": row.households,
                "elderly": row.elderly,
                "children": row.children,
                "as_of": row.as_of or as_of,
                "source": source[:200],
                "synthetic": synthetic,
            }
            for row in rows
        ],
    )
    session.flush()
    return Loaded(level, len(rows), sum(r.population for r in rows), layout)
