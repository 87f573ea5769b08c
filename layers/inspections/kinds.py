"""Inspection kinds as data: staff read them, administrators add the city's own and change
them. A kind's interval decides next_due when an inspection is recorded; changing it later
does not rewrite the next_due of inspections already recorded (what was due was due)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from layers.accounts.users import Department
from layers.city.facilities import FacilityKind
from layers.inspections import subjects
from layers.inspections.model import CODE_PATTERN, Grading, InspectionKindRow
from layers.store.refusals import Refused

_CODE = re.compile(CODE_PATTERN)
INTERVAL_MONTHS = (1, 240)
# What a PATCH may change: never the code (inspections name their kind by it).
CHANGEABLE = frozenset(
    {
        "name_ja",
        "name_en",
        "interval_months",
        "subject_layer",
        "subject_kinds",
        "parts",
        "grading",
        "legal_basis",
        "department_id",
        "active",
    }
)


def kind_json(kind: InspectionKindRow) -> dict[str, Any]:
    return {
        "code": kind.code,
        "name_ja": kind.name_ja,
        "name_en": kind.name_en,
        "interval_months": kind.interval_months,
        "subject_layer": kind.subject_layer,
        "subject_kinds": list(kind.subject_kinds),
        "parts": list(kind.parts),
        "grading": str(kind.grading),
        "legal_basis": kind.legal_basis,
        "department_id": kind.department_id,
        "active": kind.active,
        "builtin": kind.builtin,
    }


def list_kinds(session: Session) -> list[dict[str, Any]]:
    found = session.scalars(
        select(InspectionKindRow).order_by(InspectionKindRow.builtin.desc(), InspectionKindRow.code)
    )
    return [kind_json(k) for k in found]


def find_kind(session: Session, code: str, *, lock: bool = False) -> InspectionKindRow | None:
    query = select(InspectionKindRow).where(InspectionKindRow.code == code)
    return session.scalar(query.with_for_update() if lock else query)


def _refused(field: str, ja: str, en: str) -> Refused:
    return Refused(ja, f"{field}: {en}", status=422, field=field)


def _checked_code(code: str, field: str) -> str:
    if not _CODE.fullmatch(code):
        raise _refused(
            field,
            f"コード「{code}」は英小文字で始まる英小文字・数字・_ の40文字以内にしてください。",
            f"'{code}' must match {CODE_PATTERN}",
        )
    return code


def checked_parts(parts: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """[{code, ja, en}]: codes of the code pattern, each once, both names given."""
    seen: set[str] = set()
    out = []
    for part in parts:
        code = _checked_code(str(part.get("code", "")), "parts")
        if code in seen:
            raise _refused(
                "parts", f"部位「{code}」が2回あります。", f"part '{code}' is listed twice"
            )
        seen.add(code)
        ja, en = str(part.get("ja", "")).strip(), str(part.get("en", "")).strip()
        if not ja or not en:
            raise _refused(
                "parts",
                f"部位「{code}」の日本語名と英語名を入れてください。",
                f"part '{code}' needs both names (ja, en)",
            )
        out.append({"code": code, "ja": ja, "en": en})
    return out


def _check(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    checked = dict(values)
    if "interval_months" in values and values["interval_months"] is not None:
        low, high = INTERVAL_MONTHS
        if not low <= values["interval_months"] <= high:
            raise _refused(
                "interval_months",
                f"点検の間隔は{low}〜{high}か月にしてください（定めのないときは空）。",
                f"must be {low}-{high} months, or null for never due",
            )
    layer = values.get("subject_layer")
    if layer is not None and layer not in subjects.subject_layers():
        raise _refused(
            "subject_layer",
            f"対象のレイヤー「{layer}」はありません。",
            f"unknown layer '{layer}'; known: {', '.join(subjects.subject_layers())}",
        )
    if "subject_kinds" in values:
        facility_kinds = {k.value for k in FacilityKind}
        for kind in values["subject_kinds"]:
            _checked_code(kind, "subject_kinds")
            if layer in ("facility", subjects.BUILDING) and kind not in facility_kinds:
                raise _refused(
                    "subject_kinds",
                    f"施設の種別「{kind}」はありません。",
                    f"'{kind}' is not a facility kind",
                )
        checked["subject_kinds"] = sorted(set(values["subject_kinds"]))
    if "parts" in values:
        checked["parts"] = checked_parts(values["parts"])
    if "grading" in values:
        checked["grading"] = Grading(values["grading"])
        if checked["grading"] == Grading.parts and not checked.get("parts"):
            raise _refused(
                "parts",
                "部位ごとに評価する種類には、部位を1つ以上登録してください。",
                "a kind graded by parts needs at least one part",
            )
    department = values.get("department_id")
    if department is not None and session.get(Department, department) is None:
        raise _refused(
            "department_id", f"部署 {department} はありません。", f"no department {department}"
        )
    return checked


def create_kind(session: Session, values: Mapping[str, Any]) -> InspectionKindRow:
    code = _checked_code(str(values["code"]), "code")
    if find_kind(session, code) is not None:
        raise Refused(
            f"点検の種類「{code}」はすでにあります。",
            f"code: an inspection kind '{code}' exists already",
            status=409,
            field="code",
        )
    checked = _check(session, {"grading": Grading.overall, **values})
    kind = InspectionKindRow(**{**checked, "code": code, "builtin": False})
    session.add(kind)
    session.flush()
    return kind


def change_kind(
    session: Session, kind: InspectionKindRow, changes: Mapping[str, Any]
) -> InspectionKindRow:
    """The caller holds the kind's lock. A builtin kind keeps its subject layer: the due
    board and the closure rule rely on what the seeded kinds are about."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        field = sorted(unknown)[0]
        raise _refused(field, f"「{field}」は変更できません。", "cannot be changed")
    if (
        kind.builtin
        and "subject_layer" in changes
        and changes["subject_layer"] != kind.subject_layer
    ):
        raise _refused(
            "subject_layer",
            "組み込みの点検の種類の対象レイヤーは変更できません。",
            "a builtin kind's subject layer cannot be changed",
        )
    whole = {
        "subject_layer": kind.subject_layer,
        "grading": kind.grading,
        "parts": kind.parts,
        **changes,
    }
    checked = _check(session, whole)
    for name in changes:
        setattr(kind, name, checked[name])
    session.flush()
    return kind
