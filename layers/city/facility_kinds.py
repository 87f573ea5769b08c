"""What kind of facility a row of a city's 公共施設一覧 is, when the file does not say in a
column of its own: the rules as data, read by the importer (layers/importing/inference.py).

Real files (自治体標準オープンデータセット) carry no kind column. Some put the kind in 備考
(焼津市's 市役所・センター list: 公民館, 福祉会館, 資料館 …); most only in the name
(…小学校, …公民館, …団地). A rule's words are looked for in the text; a text matched by
several rules takes the longest match, because the longer word is the more specific one
(若宮小学校放課後保育クラブ is a 放課後保育クラブ, not a 小学校). Between matches of one length
the one ending later wins: a Japanese compound names the thing last (本行徳公民館プール is a
pool). "A…B" matches A followed later by B (消防署中山出張所 is a fire station's 出張所,
not a city branch office).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from layers.city.facilities import CostCategory, FacilityKind

K = FacilityKind
C = CostCategory

# Columns that name the kind in words, by the names cities give them.
KIND_COLUMNS = ("種別", "施設種別", "分類")
POI_COLUMN = "POIコード"
NOTE_COLUMNS = ("備考",)


@dataclass(frozen=True)
class Rule:
    words: str  # looked for in the text; "A…B": A, then B later
    kind: FacilityKind
    # The 総務省 大分類 when it is not the kind's own (KIND_COST): 博物館 is 社会教育系,
    # 文化会館 市民文化系, though both are "culture" on the map.
    cost: CostCategory | None = None


RULES: tuple[Rule, ...] = (
    # 学校教育系
    Rule("小学校", K.school),
    Rule("中学校", K.school),
    Rule("義務教育学校", K.school),
    Rule("支援学校", K.school),
    Rule("学園", K.school),  # 塩浜学園: a 義務教育学校 by its usual name
    # 社会教育系
    Rule("公民館", K.kominkan),
    Rule("図書館", K.library),
    Rule("図書室", K.library),
    Rule("としょかん", K.library),
    # 公園
    Rule("公園", K.park),
    Rule("緑地", K.park),
    Rule("植物園", K.park),
    Rule("動物園", K.park),
    # 市民文化系: meeting places of a neighbourhood
    Rule("市民センター", K.community_center),
    Rule("住民センター", K.community_center),
    Rule("地区センター", K.community_center),
    Rule("地域交流センター", K.community_center),
    Rule("ふれあい館", K.community_center),
    Rule("集会所", K.community_center),
    Rule("コミュニティセンター", K.community_center),
    # 子育て支援
    Rule("保育園", K.childcare),
    Rule("保育所", K.childcare),
    Rule("幼稚園", K.childcare),
    Rule("こども園", K.childcare),
    Rule("放課後保育クラブ", K.childcare),
    Rule("児童館", K.childcare),
    Rule("児童センター", K.childcare),
    Rule("こども館", K.childcare),
    Rule("子ども館", K.childcare),
    # スポーツ・レクリエーション系
    Rule("体育館", K.sports),
    Rule("スポーツ", K.sports),
    Rule("プール", K.sports),
    Rule("競技場", K.sports),
    Rule("野球場", K.sports),
    Rule("サッカー場", K.sports),
    Rule("テニスコート", K.sports),
    Rule("運動広場", K.sports),
    Rule("多目的広場", K.sports),
    Rule("キャンプ場", K.other, C.sports_recreation),
    # 行政系
    Rule("市役所", K.city_hall),
    Rule("本庁舎", K.city_hall),
    Rule("第1庁舎", K.city_hall),
    Rule("庁舎", K.city_hall),  # 第2庁舎, 分庁舎, 水道庁舎: the city's own offices
    Rule("支所", K.branch_office),
    Rule("出張所", K.branch_office),
    Rule("行政サービスセンター", K.branch_office),
    Rule("市民サービスセンター", K.branch_office),
    Rule("窓口連絡所", K.branch_office),
    Rule("消防署", K.fire_station),
    Rule("消防署…出張所", K.fire_station),
    Rule("消防局", K.fire_station),
    Rule("消防団", K.fire_station),
    Rule("分団", K.fire_station),
    Rule("消防防災センター", K.fire_station),
    # 保健・福祉, 医療
    Rule("保健センター", K.health_center),
    Rule("診療所", K.health_center),
    Rule("急病診療", K.health_center),
    Rule("病院", K.other, C.medical),
    Rule("老人", K.welfare),
    Rule("いきいきセンター", K.welfare),
    Rule("福祉", K.welfare),
    Rule("発達センター", K.welfare),
    # 公営住宅
    Rule("団地", K.public_housing),
    Rule("市営住宅", K.public_housing),
    Rule("町営住宅", K.public_housing),
    Rule("村営住宅", K.public_housing),
    Rule("公営住宅", K.public_housing),
    # 文化: halls are 市民文化系, museums 社会教育系 (博物館等)
    Rule("文化会館", K.culture),
    Rule("市民会館", K.culture),
    Rule("公会堂", K.culture),
    Rule("ホール", K.culture),
    Rule("博物館", K.culture, C.social_education),
    Rule("美術館", K.culture, C.social_education),
    Rule("記念館", K.culture, C.social_education),
    Rule("資料館", K.culture, C.social_education),
    Rule("科学館", K.culture, C.social_education),
    Rule("伝承館", K.culture, C.social_education),
    Rule("ギャラリー", K.culture, C.social_education),
    # 産業系, 供給処理
    Rule("卸売市場", K.other, C.industry),
    Rule("処理場", K.other, C.supply_treatment),
    Rule("清掃工場", K.other, C.supply_treatment),
    Rule("浄水場", K.other, C.supply_treatment),
    Rule("トイレ", K.public_toilet),
    # A store in a park is not the park (広尾防災公園備蓄倉庫).
    Rule("倉庫", K.other),
)

# POIコード values whose meaning the files show. 0801: the one coded row of 市川市's
# 公共施設一覧 (tests/data/ichikawa) is 市川市東山魁夷記念館, a memorial art museum.
POI_CODES: dict[str, Rule] = {"0801": Rule("0801", K.culture, C.social_education)}

# The 総務省 大分類 a kind implies (DOMAIN.md §1), used when the file gives none.
KIND_COST: dict[FacilityKind, CostCategory] = {
    K.city_hall: C.administration,
    K.branch_office: C.administration,
    K.fire_station: C.administration,
    K.community_center: C.civic_culture,
    K.culture: C.civic_culture,
    K.kominkan: C.social_education,
    K.library: C.social_education,
    K.school: C.school_education,
    K.childcare: C.childcare,
    K.sports: C.sports_recreation,
    K.health_center: C.health_welfare,
    K.welfare: C.health_welfare,
    K.public_housing: C.public_housing,
    K.park: C.park,
}

# The kinds by their Japanese names, for the import's summary.
KIND_NAMES_JA: dict[FacilityKind, str] = {
    K.city_hall: "市役所",
    K.branch_office: "支所・出張所",
    K.community_center: "住民センター・集会所",
    K.kominkan: "公民館",
    K.evacuation_site: "指定緊急避難場所",
    K.shelter: "指定避難所",
    K.tsunami_evacuation_building: "津波避難ビル",
    K.first_aid_station: "救護所",
    K.aed: "AED",
    K.school: "学校",
    K.library: "図書館",
    K.childcare: "子育て施設",
    K.park: "公園",
    K.public_toilet: "公衆トイレ",
    K.sandbag_station: "土のうステーション",
    K.streetlight: "防犯灯",
    K.play_equipment: "遊具",
    K.fire_station: "消防署",
    K.health_center: "保健センター・診療所",
    K.public_housing: "市営住宅",
    K.welfare: "福祉施設",
    K.culture: "文化施設",
    K.sports: "スポーツ施設",
    K.other: "その他",
}


def cost_of(rule: Rule) -> CostCategory | None:
    return rule.cost or KIND_COST.get(rule.kind)


def fold(text: str) -> str:
    """Width and spacing as the rules are written: ２ → 2, full-width space dropped."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _folded_words(rule: Rule) -> str:
    # NFKC would turn the gap mark "…" into "...": fold the words on either side of it.
    return "…".join(fold(part) for part in rule.words.split("…"))


@cache
def _pattern() -> re.Pattern[str]:
    # At each position the first alternative that matches is taken: gapped rules first
    # (the most specific), then the others longest first, so each position yields its
    # longest word; a lookahead lets matches overlap (公民館 inside 本行徳公民館プール).
    words = sorted({_folded_words(r) for r in RULES}, key=lambda w: ("…" not in w, -len(w)))
    parts = [".*?".join(map(re.escape, w.split("…"))) for w in words]
    return re.compile("(?=(" + "|".join(parts) + "))")


@cache
def _rules_by_words() -> dict[str, Rule]:
    return {_folded_words(r): r for r in RULES}


def _rule_of(found: str) -> Rule:
    rules = _rules_by_words()
    if found in rules:
        return rules[found]
    # A gapped rule: what lies between its words is the facility's own (中山).
    for words, rule in rules.items():
        head, gap, tail = words.partition("…")
        if gap and found.startswith(head) and found.endswith(tail):
            return rule
    raise KeyError(found)


def match(text: str) -> Rule | None:
    """The rule a text names, or None. Longest match; of equal length, the later one."""
    best: tuple[int, int, str] | None = None
    for m in _pattern().finditer(fold(text)):
        found = m.group(1)
        key = (len(found), m.start() + len(found))
        if best is None or key > best[:2]:
            best = (*key, found)
    return _rule_of(best[2]) if best else None


def kind_value(text: str) -> Rule | None:
    """A kind column's cell: a kind's code (kominkan), its Japanese name, or words of a rule."""
    folded = fold(text)
    if folded in FacilityKind.__members__:
        return Rule(folded, FacilityKind(folded))
    for kind, name in KIND_NAMES_JA.items():
        if folded == fold(name):
            return Rule(name, kind)
    return match(text)


def poi_code(text: str) -> Rule | None:
    return POI_CODES.get(fold(text))
