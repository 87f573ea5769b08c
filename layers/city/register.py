"""The facility register (公共施設台帳) as staff keep it: one row per building (棟) with its
facility, its age and what its inspections found; a building's card with its inspections and
their photos; and the changes staff make, each field checked and named when it is refused.

Age is counted in 年度 (April to March), as registers and renewal plans count it: this
年度 of the city's date minus the built 年度. The seismic standard is what the register says:
a building whose standard is unknown is never given one from its year on save (年度 1981
cannot be told apart, and a guess would read as a fact in the renewal plan); the card only
shows what the year suggests."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.city.buildings import SEISMIC_CUTOFF_FISCAL_YEAR, FacilityBuilding
from layers.city.calendar import city_today, fiscal_year
from layers.city.facilities import CostCategory, Owner, SeismicStandard, Structure
from layers.store.base import TEXT_MAX
from layers.store.refusals import Refused
from layers.store.sql import find_row

BUILDING_LAYER = "facility_building"
CONDITION_KIND = "building_article12"  # the grade the list filters on: 12条点検 (敷地・構造)
GRADES = ("A", "B", "C", "D")


def seismic_hint(built_year: int | None) -> SeismicStandard | None:
    """What the built 年度 alone suggests (shown beside an unknown standard, never stored)."""
    if built_year is None or built_year == SEISMIC_CUTOFF_FISCAL_YEAR:
        return None
    if built_year < SEISMIC_CUTOFF_FISCAL_YEAR:
        return SeismicStandard.pre_1981
    return SeismicStandard.post_1981


# -- reading ------------------------------------------------------------------------------

# The building's latest inspection of any kind, its latest 12条 (敷地・構造) one, and the
# soonest due date among the latest inspection of each active kind.
_LATERALS = f"""
LEFT JOIN district d ON d.id = f.district_id
LEFT JOIN LATERAL (
  SELECT i.id, i.kind, k.name_ja, k.name_en, i.inspected_on, i.overall_grade
  FROM inspection i JOIN inspection_kind k ON k.code = i.kind
  WHERE i.subject_layer = '{BUILDING_LAYER}' AND i.subject_id = b.id
  ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1) last ON true
LEFT JOIN LATERAL (
  SELECT i.id, i.inspected_on, i.overall_grade
  FROM inspection i
  WHERE i.subject_layer = '{BUILDING_LAYER}' AND i.subject_id = b.id
    AND i.kind = '{CONDITION_KIND}'
  ORDER BY i.inspected_on DESC, i.id DESC LIMIT 1) cond ON true
LEFT JOIN LATERAL (
  SELECT min(latest.next_due) AS next_due FROM (
    SELECT DISTINCT ON (i.kind) i.next_due
    FROM inspection i JOIN inspection_kind k ON k.code = i.kind AND k.active
    WHERE i.subject_layer = '{BUILDING_LAYER}' AND i.subject_id = b.id
    ORDER BY i.kind, i.inspected_on DESC, i.id DESC) latest) due ON true"""

_ROW = """jsonb_build_object(
  'building', to_jsonb(b)
     || jsonb_build_object('age', CAST(:fiscal_year AS integer) - b.built_year),
  'facility', jsonb_build_object(
     'id', f.id, 'name', f.name, 'kind', f.kind, 'address', f.address,
     'use_status', f.use_status,
     'district', CASE WHEN d.id IS NULL THEN NULL
                      ELSE jsonb_build_object('id', d.id, 'name', d.name) END),
  'last_inspection', CASE WHEN last.id IS NULL THEN NULL ELSE jsonb_build_object(
     'id', last.id, 'kind', last.kind, 'kind_name_ja', last.name_ja,
     'kind_name_en', last.name_en, 'inspected_on', last.inspected_on,
     'overall_grade', last.overall_grade) END,
  'condition', CASE WHEN cond.id IS NULL THEN NULL ELSE jsonb_build_object(
     'id', cond.id, 'inspected_on', cond.inspected_on, 'overall_grade', cond.overall_grade) END,
  'next_due', due.next_due)"""

_FROM = f"FROM facility_building b JOIN facility f ON f.id = b.facility_id {_LATERALS}"

# Each order ends on the building's id, so pages never repeat or skip a row.
SORTS = {
    "facility": "f.name, b.name, b.id",
    "-facility": "f.name DESC, b.name DESC, b.id DESC",
    "built_year": "b.built_year NULLS LAST, f.name, b.id",
    "-built_year": "b.built_year DESC NULLS LAST, f.name, b.id",
    "floor_area": "b.floor_area_m2 NULLS LAST, f.name, b.id",
    "-floor_area": "b.floor_area_m2 DESC NULLS LAST, f.name, b.id",
    # Worst condition first: D, C, B, A, then never inspected.
    "grade": "cond.overall_grade DESC NULLS LAST, f.name, b.id",
    "next_due": "due.next_due NULLS LAST, f.name, b.id",
    "district": "d.name NULLS LAST, f.name, b.id",
}

# A district and every district inside it (a 地区 holds its 自治会 and 町丁目).
_WITHIN_DISTRICT = """f.district_id IN (
  WITH RECURSIVE inside AS (
    SELECT id FROM district WHERE id = :district
    UNION ALL SELECT c.id FROM district c JOIN inside ON c.parent_id = inside.id)
  SELECT id FROM inside)"""


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    district: int | None = None
    built_before: int | None = None  # 年度 before this one
    built_from: int | None = None  # 年度 from this one on
    min_age: int | None = None
    max_age: int | None = None
    seismic: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()  # of the latest 12条 inspection
    in_use: bool | None = None
    q: str | None = None


def _like(words: str) -> str:
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of the list and its bound values: one condition per filter given."""
    conditions: list[str] = []
    values: dict[str, Any] = {}

    def add(condition: str, **bound: Any) -> None:
        conditions.append(condition)
        values.update(bound)

    if filters.kinds:
        add("f.kind = ANY(:kinds)", kinds=list(filters.kinds))
    if filters.district is not None:
        add(_WITHIN_DISTRICT, district=filters.district)
    if filters.built_before is not None:
        add("b.built_year < :built_before", built_before=filters.built_before)
    if filters.built_from is not None:
        add("b.built_year >= :built_from", built_from=filters.built_from)
    if filters.min_age is not None:
        add("CAST(:fiscal_year AS integer) - b.built_year >= :min_age", min_age=filters.min_age)
    if filters.max_age is not None:
        add("CAST(:fiscal_year AS integer) - b.built_year <= :max_age", max_age=filters.max_age)
    if filters.seismic:
        add("b.seismic_standard = ANY(:seismic)", seismic=list(filters.seismic))
    if filters.grades:
        add("cond.overall_grade = ANY(:grades)", grades=list(filters.grades))
    if filters.in_use is not None:
        add("b.in_use = :in_use", in_use=filters.in_use)
    if filters.q:
        add(
            "(b.name ILIKE :q OR f.name ILIKE :q OR coalesce(f.name_kana, '') ILIKE :q)",
            q=_like(filters.q),
        )
    return (" AND ".join(conditions) or "true"), values


@dataclass
class Found:
    items: list[dict[str, Any]]
    matched: int
    fiscal_year: int


def list_buildings(
    session: Session,
    filters: Filters,
    *,
    sort: str = "facility",
    limit: int | None = None,
    offset: int = 0,
    today: date | None = None,
) -> Found:
    """The register's rows for the filters, in the order asked; every row when limit is None
    (the CSV)."""
    year = fiscal_year(today or city_today())
    condition, values = where(filters)
    values["fiscal_year"] = year
    order = SORTS[sort]
    page = "LIMIT :limit OFFSET :offset" if limit is not None else ""
    rows = session.execute(
        text(f"SELECT {_ROW} {_FROM} WHERE {condition} ORDER BY {order} {page}"),
        {**values, "limit": limit, "offset": offset} if page else values,
    ).scalars()
    items = list(rows)
    matched = session.execute(
        text(f"SELECT count(*) {_FROM} WHERE {condition}"), values
    ).scalar_one()
    return Found(items, int(matched), year)


_INSPECTIONS = text(
    """SELECT i.id, i.kind, k.name_ja, k.name_en, i.inspected_on, i.overall_grade,
              i.hazard_level, i.follow_up_action, i.follow_up_due, i.next_due, i.released
       FROM inspection i JOIN inspection_kind k ON k.code = i.kind
       WHERE i.subject_layer = :layer AND i.subject_id = :id
       ORDER BY i.inspected_on DESC, i.id DESC"""
)

_PHOTOS = text(
    """SELECT a.id, a.subject_id AS inspection_id, a.is_public, a.width, a.height
       FROM attachment a
       WHERE a.subject_layer = 'inspection' AND a.subject_id = ANY(:ids)
       ORDER BY a.subject_id DESC, a.id"""
)


def inspection_links(inspection_id: int) -> dict[str, str]:
    return {
        "api": f"/api/inspections/{inspection_id}",
        "pdf": f"/api/inspections/{inspection_id}.pdf",
        "staff": f"/staff#/inspections/{inspection_id}",
    }


def card(session: Session, building_id: int, today: date | None = None) -> dict[str, Any]:
    """A building's card: the register row, its inspections newest first, and their photos
    (staff see every photo, released or not)."""
    year = fiscal_year(today or city_today())
    row = session.execute(
        text(f"SELECT {_ROW} {_FROM} WHERE b.id = :id"), {"id": building_id, "fiscal_year": year}
    ).scalar_one_or_none()
    if row is None:
        raise Refused(f"棟 {building_id} はありません。", f"no building {building_id}", status=404)
    inspections = [
        {
            "id": r.id,
            "kind": {"code": r.kind, "name_ja": r.name_ja, "name_en": r.name_en},
            "inspected_on": r.inspected_on,
            "overall_grade": r.overall_grade,
            "hazard_level": r.hazard_level,
            "follow_up_action": r.follow_up_action,
            "follow_up_due": r.follow_up_due,
            "next_due": r.next_due,
            "released": r.released,
            "links": inspection_links(r.id),
        }
        for r in session.execute(_INSPECTIONS, {"layer": BUILDING_LAYER, "id": building_id})
    ]
    ids = [i["id"] for i in inspections]
    photos = [
        {
            "id": p.id,
            "inspection_id": p.inspection_id,
            "is_public": p.is_public,
            "width": p.width,
            "height": p.height,
            "url": f"/api/inspections/{p.inspection_id}/photos/{p.id}",
            "thumbnail_url": f"/api/inspections/{p.inspection_id}/photos/{p.id}/thumbnail",
        }
        for p in (session.execute(_PHOTOS, {"ids": ids}) if ids else [])
    ]
    building = row["building"]
    hint = seismic_hint(building.get("built_year"))
    return {
        **row,
        "seismic_hint": hint.value if hint and building["seismic_standard"] == "unknown" else None,
        "inspections": inspections,
        "photos": photos,
        "fiscal_year": year,
    }


# -- the CSV ------------------------------------------------------------------------------

STRUCTURE_JA = {
    Structure.rc: "RC造",
    Structure.src: "SRC造",
    Structure.steel: "S造",
    Structure.wood: "W造",
    Structure.light_steel: "軽量鉄骨造",
    Structure.block: "CB造",
    Structure.other: "その他",
}
SEISMIC_JA = {
    SeismicStandard.pre_1981: "旧耐震",
    SeismicStandard.post_1981: "新耐震",
    SeismicStandard.retrofitted: "耐震補強済",
    SeismicStandard.not_applicable: "対象外",
    SeismicStandard.unknown: "不明",
}
COST_CATEGORY_JA = {
    CostCategory.civic_culture: "市民文化系施設",
    CostCategory.social_education: "社会教育系施設",
    CostCategory.sports_recreation: "スポーツ・レクリエーション系施設",
    CostCategory.industry: "産業系施設",
    CostCategory.school_education: "学校教育系施設",
    CostCategory.childcare: "子育て支援施設",
    CostCategory.health_welfare: "保健・福祉施設",
    CostCategory.medical: "医療施設",
    CostCategory.administration: "行政系施設",
    CostCategory.public_housing: "公営住宅",
    CostCategory.park: "公園",
    CostCategory.supply_treatment: "供給処理施設",
    CostCategory.other: "その他",
}
OWNER_JA = {
    Owner.city: "市",
    Owner.neighbourhood: "行政区・自治会",
    Owner.other_public: "その他の公共",
    Owner.private: "民間",
}


def _label(table: Mapping[Any, str], value: Any) -> str:
    return "" if value is None else table.get(value, str(value))


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


CSV_COLUMNS: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("施設ID", lambda r: r["facility"]["id"]),
    ("施設名", lambda r: r["facility"]["name"]),
    ("施設種別", lambda r: r["facility"]["kind"]),
    ("地区", lambda r: (r["facility"]["district"] or {}).get("name", "")),
    ("所在地", lambda r: r["facility"]["address"] or ""),
    ("棟ID", lambda r: r["building"]["id"]),
    ("棟名", lambda r: r["building"]["name"]),
    ("建築年度", lambda r: _number(r["building"]["built_year"])),
    ("経過年数", lambda r: _number(r["building"]["age"])),
    ("延床面積（㎡）", lambda r: _number(r["building"]["floor_area_m2"])),
    ("構造", lambda r: _label(STRUCTURE_JA, r["building"]["structure"])),
    ("階数", lambda r: _number(r["building"]["storeys"])),
    ("耐震基準", lambda r: _label(SEISMIC_JA, r["building"]["seismic_standard"])),
    ("耐震診断年度", lambda r: _number(r["building"]["seismic_diagnosis_year"])),
    ("耐震補強年度", lambda r: _number(r["building"]["retrofit_year"])),
    ("Is値", lambda r: _number(r["building"]["is_value"])),
    ("施設分類（大分類）", lambda r: _label(COST_CATEGORY_JA, r["building"]["cost_category"])),
    ("所有者", lambda r: _label(OWNER_JA, r["building"]["owner"])),
    ("使用状況", lambda r: "使用中" if r["building"]["in_use"] else "使用停止"),
    ("12条点検 判定", lambda r: (r["condition"] or {}).get("overall_grade", "")),
    ("12条点検 実施日", lambda r: (r["condition"] or {}).get("inspected_on", "")),
    ("最新の点検", lambda r: (r["last_inspection"] or {}).get("kind_name_ja", "")),
    ("最新の点検日", lambda r: (r["last_inspection"] or {}).get("inspected_on", "")),
    ("次回点検期限", lambda r: r["next_due"] or ""),
    ("備考", lambda r: r["building"]["note"] or ""),
)


def csv_text(items: list[dict[str, Any]]) -> str:
    """The rows as a CSV Excel opens right: UTF-8 with a BOM, Japanese headers, CRLF."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    for item in items:
        writer.writerow([value(item) for _, value in CSV_COLUMNS])
    return out.getvalue()


# -- changing -----------------------------------------------------------------------------


@dataclass
class Problems:
    """Every refused field of one request, said in Japanese and English."""

    found: list[dict[str, str]] = field(default_factory=list)

    def add(self, name: str, ja: str, en: str) -> None:
        label_ja, label_en = LABELS.get(name, (name, name))
        self.found.append(
            {
                "field": name,
                "message_ja": f"{label_ja}（{name}）: {ja}",
                "message_en": f"{label_en} ({name}): {en}",
            }
        )

    def raise_any(self) -> None:
        if not self.found:
            return
        raise Refused(
            "　".join(p["message_ja"] for p in self.found),
            "; ".join(p["message_en"] for p in self.found),
            status=422,
            type_="/problems/invalid-field",
            parameter=self.found[0]["field"],
            errors=self.found,
        )


LABELS = {
    "facility_id": ("施設", "facility"),
    "name": ("棟名", "building name"),
    "built_year": ("建築年度", "built year"),
    "floor_area_m2": ("延床面積", "floor area"),
    "structure": ("構造", "structure"),
    "storeys": ("階数", "storeys"),
    "seismic_standard": ("耐震基準", "seismic standard"),
    "seismic_diagnosis_year": ("耐震診断年度", "seismic diagnosis year"),
    "retrofit_year": ("耐震補強年度", "retrofit year"),
    "is_value": ("Is値", "Is value"),
    "cost_category": ("施設分類", "cost category"),
    "owner": ("所有者", "owner"),
    "owner_district_id": ("所有する行政区・自治会", "owning district"),
    "in_use": ("使用状況", "in use"),
    "note": ("備考", "note"),
    "extra": ("その他の列", "extra columns"),
}
# Columns staff set; the rest (id, source, synthetic, version, times) are kept by machimap.
EDITABLE = tuple(LABELS)
NOT_NULL = ("facility_id", "name", "seismic_standard", "owner", "in_use", "extra")


def _integer(value: Any, low: int, high: int) -> tuple[int | None, str, str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, "整数で入力してください。", "must be a whole number"
    if isinstance(value, float) and not value.is_integer():
        return None, "整数で入力してください。", "must be a whole number"
    if not low <= value <= high:
        return None, f"{low}～{high} の範囲で入力してください。", f"must be {low} to {high}"
    return int(value), "", ""


def _decimal(value: Any, low: float, high: float, *, above: bool) -> tuple[float | None, str, str]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, "数値で入力してください。", "must be a number"
    if (value <= low if above else value < low) or value > high:
        word_ja = "より大きく" if above else "以上"
        word_en = "above" if above else "at least"
        return (
            None,
            f"{low:g} {word_ja} {high:g} 以下で入力してください。",
            f"must be {word_en} {low:g} and at most {high:g}",
        )
    return float(value), "", ""


def _choice(value: Any, allowed: tuple[str, ...]) -> tuple[str | None, str, str]:
    if isinstance(value, str) and value in allowed:
        return value, "", ""
    listed = ", ".join(allowed)
    return None, f"次のいずれかを選んでください: {listed}", f"must be one of {listed}"


def _text(value: Any, most: int) -> tuple[str | None, str, str]:
    if not isinstance(value, str):
        return None, "文字で入力してください。", "must be text"
    if len(value) > most:
        return None, f"{most}文字以内で入力してください。", f"must be at most {most} characters"
    return value, "", ""


SEISMIC_FOR_BUILDING = tuple(
    s.value for s in SeismicStandard if s != SeismicStandard.not_applicable
)


def _checked(session: Session, name: str, value: Any) -> tuple[Any, str, str]:
    """One field's value as stored, or (None, why_ja, why_en)."""
    if name == "facility_id":
        number, ja, en = _integer(value, 1, 2**63 - 1)
        if number is None:
            return None, ja, en
        if (
            session.execute(text("SELECT 1 FROM facility WHERE id = :id"), {"id": number}).first()
            is None
        ):
            return None, f"施設 {number} はありません。", f"no facility {number}"
        return number, "", ""
    if name == "owner_district_id":
        number, ja, en = _integer(value, 1, 2**63 - 1)
        if number is None:
            return None, ja, en
        if (
            session.execute(text("SELECT 1 FROM district WHERE id = :id"), {"id": number}).first()
            is None
        ):
            return None, f"地区 {number} はありません。", f"no district {number}"
        return number, "", ""
    if name == "name":
        found, ja, en = _text(value, 200)
        if found is not None and not found.strip():
            return None, "空にはできません。", "must not be empty"
        return (found.strip() if found is not None else None), ja, en
    if name == "note":
        found, ja, en = _text(value, TEXT_MAX)
        return (found.strip() or None) if found is not None else None, ja, en
    if name == "built_year":
        return _integer(value, 1850, 2100)
    if name in ("seismic_diagnosis_year", "retrofit_year"):
        return _integer(value, 1950, 2100)
    if name == "storeys":
        return _integer(value, 1, 200)
    if name == "floor_area_m2":
        return _decimal(value, 0, 10_000_000, above=True)
    if name == "is_value":
        return _decimal(value, 0, 10, above=False)
    if name == "structure":
        return _choice(value, tuple(s.value for s in Structure))
    if name == "seismic_standard":
        if value == SeismicStandard.not_applicable:
            return (
                None,
                "建物には「対象外」を使えません。分からないときは unknown（不明）です。",
                "not_applicable is for places without a building; use unknown",
            )
        return _choice(value, SEISMIC_FOR_BUILDING)
    if name == "cost_category":
        return _choice(value, tuple(c.value for c in CostCategory))
    if name == "owner":
        return _choice(value, tuple(o.value for o in Owner))
    if name == "in_use":
        if isinstance(value, bool):
            return value, "", ""
        return None, "true か false です。", "must be true or false"
    if name == "extra":
        if isinstance(value, dict) and all(
            isinstance(v, str | int | float | bool) or v is None for v in value.values()
        ):
            return value, "", ""
        return (
            None,
            "列名と値（文字・数値）の組にしてください。",
            "must be an object of column names and plain values",
        )
    raise AssertionError(name)


def checked_values(
    session: Session, body: Any, *, creating: bool, current: FacilityBuilding | None = None
) -> dict[str, Any]:
    """The body's columns as they will be stored, every mistake named at once (422)."""
    problems = Problems()
    if not isinstance(body, dict):
        raise Refused(
            "本文は項目名と値の組（JSON オブジェクト）にしてください。",
            "the body must be a JSON object of columns",
            status=422,
            type_="/problems/invalid-field",
        )
    values: dict[str, Any] = {}
    for name, value in body.items():
        if name not in LABELS:
            problems.add(
                str(name)[:60], "この項目は変更できません。", "is not a column staff can set"
            )
            continue
        if value is None:
            if name in NOT_NULL:
                problems.add(name, "空にはできません。", "must not be empty")
            else:
                values[name] = None
            continue
        found, ja, en = _checked(session, name, value)
        if found is None and ja:
            problems.add(name, ja, en)
        else:
            values[name] = found
    if creating:
        for name in ("facility_id", "name"):
            if name not in body:
                problems.add(name, "必ず入力してください。", "is required")
    _years_in_order(values, current, problems)
    problems.raise_any()
    return values


def _years_in_order(
    values: Mapping[str, Any], current: FacilityBuilding | None, problems: Problems
) -> None:
    """A building cannot be diagnosed or reinforced before it was built."""

    def now(name: str) -> Any:
        if name in values:
            return values[name]
        return getattr(current, name) if current is not None else None

    built = now("built_year")
    if not isinstance(built, int):
        return
    for name in ("seismic_diagnosis_year", "retrofit_year"):
        year = values.get(name)
        if isinstance(year, int) and year < built:
            problems.add(
                name,
                f"建築年度（{built}）より前にはできません。",
                f"cannot be before the built year ({built})",
            )


def create_building(session: Session, body: Any) -> FacilityBuilding:
    values = checked_values(session, body, creating=True)
    building = FacilityBuilding(**values)
    session.add(building)
    session.flush()
    return building


def update_building(session: Session, building: FacilityBuilding, body: Any) -> FacilityBuilding:
    """Staff's changes to one building (locked by the caller). A value staff give replaces a
    generated one, so its name leaves ``synthetic``."""
    values = checked_values(session, body, creating=False, current=building)
    for name, value in values.items():
        setattr(building, name, value)
    if values:
        building.synthetic = [s for s in building.synthetic if s not in values]
    building.version += 1
    session.flush()
    return building


def delete_building(session: Session, building: FacilityBuilding) -> None:
    """A building recorded by mistake. Its inspections stay (they happened); with no subject
    left, the due board no longer lists it."""
    session.delete(building)
    session.flush()


def locked(session: Session, building_id: int) -> FacilityBuilding:
    return find_row(session, FacilityBuilding, building_id, "棟", "building", lock=True)


def etag(building: FacilityBuilding) -> str:
    return f'"{building.version}"'


def check_version(building: FacilityBuilding, if_match: str | None) -> None:
    """RFC 9110 If-Match, required: two staff editing one building never overwrite each other
    unseen."""
    if if_match is None:
        raise Refused(
            "If-Match ヘッダーに、読み込んだ棟の ETag を付けてください。",
            "send the ETag of the building you loaded in If-Match",
            status=428,
        )
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" in wanted or etag(building) in wanted:
        return
    raise Refused(
        "ほかの人がこの棟を先に変更しました。今の内容を読み込み直してから、もう一度保存してください。",
        "someone else changed this building first: reload it and save again",
        status=412,
        type_="/problems/edit-conflict",
        headers={"ETag": etag(building)},
    )
