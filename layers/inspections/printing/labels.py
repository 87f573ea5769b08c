"""The words the report prints for codes: the same words the staff pages use (DOMAIN.md §2
and §8, web/src/messages/map.js for facility values), Japanese only, as a city files it."""

from __future__ import annotations

from layers.city.facility_kinds import KIND_NAMES_JA
from layers.inspections.model import GRADE_SUMMARIES

# 劣化度 of a building part (DOMAIN.md §2), short enough for a table cell.
GRADE_WORDS = {
    "A": "概ね良好",
    "B": "局所・部分的に劣化（安全上・機能上問題なし）",
    "C": "随所・広範囲に劣化（機能低下の兆し）",
    "D": "著しい劣化（早急に対応が必要）",
}
# The same in a table cell or under the overall grade: the legend gives the whole words.
SHORT_GRADE_WORDS = {grade.value: ja for grade, (ja, _) in GRADE_SUMMARIES.items()}
# JPFA 遊具の定期点検: the overall judgement and the hazard level beside it.
JPFA_GRADE_WORDS = {
    "A": "健全・異常なし",
    "B": "経過観察",
    "C": "修繕が必要",
    "D": "使用禁止",
}
HAZARD_WORDS = {
    0: "ハザードなし",
    1: "軽度の傷害のおそれ",
    2: "重度の傷害のおそれ",
    3: "生命に関わる重大な事故のおそれ（直ちに使用禁止）",
}
HAZARD_SHORT_WORDS = {0: "ハザードなし", 1: "軽度の傷害", 2: "重度の傷害", 3: "生命に危険"}
FOLLOW_UP_WORDS = {
    "none": "対応不要",
    "repair": "修繕",
    "close": "使用禁止（直ちに）",
    "survey": "詳細調査",
}
# The facilities' kinds in the words the import's summary uses (one table of them).
FACILITY_KIND_WORDS = {kind.value: name for kind, name in KIND_NAMES_JA.items()}
STRUCTURE_WORDS = {
    "rc": "鉄筋コンクリート造（RC）",
    "src": "鉄骨鉄筋コンクリート造（SRC）",
    "steel": "鉄骨造（S）",
    "wood": "木造（W）",
    "light_steel": "軽量鉄骨造",
    "block": "ブロック造（CB）",
    "other": "その他",
}
SEISMIC_WORDS = {
    "pre_1981": "旧耐震基準",
    "post_1981": "新耐震基準",
    "retrofitted": "旧耐震・耐震補強済み",
    "not_applicable": "該当なし",
    "unknown": "不明",
}
# What the subject is when it is not a facility or a building (the registry's layers).
LAYER_WORDS = {
    "facility_building": "建物（棟）",
    "facility": "施設",
    "school_route_site": "通学路の対策箇所",
    "hazard": "危険箇所",
    "road": "道路",
}


def grade_words(grading: str) -> dict[str, str]:
    return JPFA_GRADE_WORDS if grading == "jpfa" else SHORT_GRADE_WORDS
