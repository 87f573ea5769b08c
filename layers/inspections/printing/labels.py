"""The words the report prints for codes: the same words the staff pages use (DOMAIN.md §2
and §8, web/src/messages/map.js for facility values), Japanese only, as a city files it."""

from __future__ import annotations

# 劣化度 of a building part (DOMAIN.md §2), short enough for a table cell.
GRADE_WORDS = {
    "A": "概ね良好",
    "B": "局所・部分的に劣化（安全上・機能上問題なし）",
    "C": "随所・広範囲に劣化（機能低下の兆し）",
    "D": "著しい劣化（早急に対応が必要）",
}
# The same in a table cell or under the overall grade: the legend gives the whole words.
SHORT_GRADE_WORDS = {
    "A": "概ね良好",
    "B": "部分的に劣化",
    "C": "広範囲に劣化",
    "D": "早急に対応が必要",
}
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
FACILITY_KIND_WORDS = {
    "city_hall": "市役所",
    "branch_office": "支所・出張所",
    "community_center": "住民センター・集会所",
    "kominkan": "公民館",
    "evacuation_site": "指定緊急避難場所",
    "shelter": "指定避難所",
    "tsunami_evacuation_building": "津波避難ビル",
    "first_aid_station": "救護所",
    "aed": "AED",
    "school": "学校",
    "library": "図書館",
    "childcare": "子育て施設",
    "park": "公園",
    "public_toilet": "公衆トイレ",
    "sandbag_station": "土のうステーション",
    "streetlight": "防犯灯",
    "play_equipment": "遊具",
    "fire_station": "消防署・出張所",
    "health_center": "保健センター",
    "public_housing": "市営住宅",
    "welfare": "福祉施設",
    "culture": "文化施設",
    "sports": "スポーツ施設",
    "other": "その他の施設",
}
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
